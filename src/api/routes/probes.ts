// GET /probes: every known probe with its last-seen time and measurement count. There is no address field to
// leak: the store never learns a volunteer's IP.
import { createRoute } from "@hono/zod-openapi";
import { etag } from "hono/etag";
import type { ResolvedDeps } from "../deps.js";
import { newRouter, publicCache } from "../router.js";
import { probesResponseSchema } from "../schemas.js";

export function probesRoutes(deps: ResolvedDeps) {
  const app = newRouter();
  app.use("/probes", etag(), publicCache(30));
  app.openapi(
    createRoute({
      method: "get",
      path: "/probes",
      summary: "Known probes with last-seen time and measurement count",
      responses: { 200: { description: "Probes", content: { "application/json": { schema: probesResponseSchema } } } },
    }),
    async (c) => {
      const probes = (await deps.store.listProbes()).map((p) => ({
        id: p.id,
        region: p.region,
        network: p.network,
        role: p.role,
        lastSeenAt: p.lastSeenAt,
        measurements: p.measurements,
      }));
      return c.json({ probes }, 200);
    },
  );
  return app;
}
