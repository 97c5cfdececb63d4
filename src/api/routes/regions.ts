// GET /regions: every configured region's state and recent success ratios.
import { createRoute } from "@hono/zod-openapi";
import { etag } from "hono/etag";
import type { RegionsSource } from "../regions-source.js";
import { newRouter, publicCache, weakEtag } from "../router.js";
import { regionsResponseSchema } from "../schemas.js";

export function regionsRoutes(regions: RegionsSource) {
  const app = newRouter();
  app.use("/regions", etag(), publicCache(15));
  app.openapi(
    createRoute({
      method: "get",
      path: "/regions",
      summary: "Current state and recent success ratios of every configured region",
      responses: {
        200: { description: "Regions", content: { "application/json": { schema: regionsResponseSchema } } },
      },
    }),
    async (c) => {
      const view = await regions.get();
      c.header("ETag", weakEtag(view.regions));
      return c.json(view, 200);
    },
  );
  return app;
}
