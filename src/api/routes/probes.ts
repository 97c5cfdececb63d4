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
      summary: "Known probes (reported or configured) with last-seen time (null: never reported) and measurement count",
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
      // Configured probes that never reported are what an operator most needs to see: listed, never seen.
      const known = new Set(probes.map((p) => p.id));
      for (const p of deps.config.probes) {
        if (!known.has(p.id)) probes.push({ id: p.id, region: p.region, network: p.network, role: p.role, lastSeenAt: null, measurements: 0 });
      }
      return c.json({ probes }, 200);
    },
  );
  return app;
}
