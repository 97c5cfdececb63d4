// GET /probes: every known probe with its last-seen time, measurement count and last heartbeat. There is no address field to
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
      const heartbeats = new Map((await deps.store.listHeartbeats()).map((h) => [h.probeId, h]));
      const beat = (id: string) => {
        const h = heartbeats.get(id);
        return h ? { receivedAt: h.receivedAt, version: h.version, spoolDepth: h.spoolDepth, clockOffsetMs: h.clockOffsetMs,
          lastRoundAt: h.lastRoundAt, lastError: h.lastError } : null;
      };
      const probes = (await deps.store.listProbes()).map((p) => ({
        id: p.id,
        region: p.region,
        network: p.network,
        role: p.role,
        lastSeenAt: p.lastSeenAt,
        measurements: p.measurements,
        heartbeat: beat(p.id),
      }));
      // An agent that reports but has not delivered a measurement yet is shown too (its identity from the registry).
      const listed = new Set(probes.map((p) => p.id));
      for (const id of heartbeats.keys()) {
        if (listed.has(id)) continue;
        const configured = deps.registry.get(id);
        const enrolled = configured ? null : await deps.store.getEnrolledProbe(id);
        const who = configured ?? (enrolled && { region: enrolled.region, network: { id: enrolled.network }, role: "region" as const });
        if (!who) continue;
        probes.push({ id, region: who.region, network: who.network.id, role: who.role, lastSeenAt: null, measurements: 0, heartbeat: beat(id) });
      }
      // Configured probes that never reported are what an operator most needs to see: listed, never seen.
      const known = new Set(probes.map((p) => p.id));
      for (const p of deps.config.probes) {
        if (!known.has(p.id)) probes.push({ id: p.id, region: p.region, network: p.network, role: p.role, lastSeenAt: null, measurements: 0, heartbeat: beat(p.id) });
      }
      return c.json({ probes }, 200);
    },
  );
  return app;
}
