// GET /regions: every configured region's state and recent success ratios.
import { createRoute, type z } from "@hono/zod-openapi";
import { etag } from "hono/etag";
import type { RegionsSource } from "../regions-source.js";
import { newRouter, publicCache, sendSerialized, weakEtag, type SerializedJson } from "../router.js";
import { regionsResponseSchema } from "../schemas.js";

type RegionsBody = z.infer<typeof regionsResponseSchema>;

/** `demo`: a `serve --demo` server; its answer then says `demo: true` in the body, not only in a header. */
export function regionsRoutes(regions: RegionsSource, demo = false) {
  const app = newRouter();
  // One encoding per computed view (the source reuses a view for its ttl), not one per reader. The ETag leaves
  // generatedAt out, so an unchanged picture keeps its tag across recomputations.
  const encoded = new WeakMap<object, SerializedJson<RegionsBody>>();
  const encode = (view: RegionsBody): SerializedJson<RegionsBody> => {
    let s = encoded.get(view);
    if (!s) {
      s = { text: JSON.stringify(demo ? { demo: true, ...view } : view), tag: weakEtag(view.regions) };
      encoded.set(view, s);
    }
    return s;
  };
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
      return sendSerialized(c, encode(await regions.get())) as never;
    },
  );
  return app;
}
