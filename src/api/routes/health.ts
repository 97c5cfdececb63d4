// GET /livez, /healthz (the same: the process answers) and GET /readyz (it should be sent uploads: Redis
// answers a PING, the store is not down, the results backlog is within bounds). Liveness never touches
// Redis or the store, so a locked store or a Redis outage never gets a live server restarted.
import { createRoute, z } from "@hono/zod-openapi";
import type { ResolvedDeps } from "../deps.js";
import { newRouter } from "../router.js";

const liveSchema = z.object({ status: z.literal("ok") }).openapi("Live");

const readySchema = z
  .object({
    status: z.enum(["ready", "not_ready"]),
    checkedAt: z.string(),
    roles: z.array(z.string()).optional().openapi({ description: "Roles this process runs (keepwatch serve --roles)" }),
    leader: z.record(z.string(), z.boolean()).optional()
      .openapi({ description: "Per singleton role this process runs (detector, scheduler, alerts): true while it is the elected leader" }),
    components: z.object({
      redis: z.object({ status: z.enum(["up", "down"]), latencyMs: z.number().nullable() }).optional()
        .openapi({ description: "PING with a deadline; absent when this process has no queue" }),
      store: z.object({ status: z.enum(["up", "locked", "down"]) })
        .openapi({ description: "locked: another connection holds the write lock; uploads are still queued" }),
      resultsBacklog: z.object({
        status: z.enum(["ok", "over", "unknown"]),
        jobs: z.number().nullable(),
        oldestAgeSeconds: z.number().nullable(),
        maxJobs: z.number(),
        maxAgeSeconds: z.number(),
      }).optional().openapi({ description: "Results jobs accepted but not yet stored" }),
    }),
  })
  .openapi("Ready");

const noStore = { "Cache-Control": "no-store" };

export function healthRoutes(deps: ResolvedDeps) {
  const app = newRouter();
  for (const path of ["/livez", "/healthz"] as const) {
    app.openapi(
      createRoute({
        method: "get",
        path,
        summary: path === "/livez" ? "Liveness: the process answers (checks nothing else)" : "Liveness (older name of /livez)",
        responses: { 200: { description: "Alive", content: { "application/json": { schema: liveSchema } } } },
      }),
      (c) => c.json({ status: "ok" as const }, 200, noStore),
    );
  }
  app.openapi(
    createRoute({
      method: "get",
      path: "/readyz",
      summary: "Readiness: Redis, store and results backlog; 503 when Redis or the store is down or the backlog is over its bound",
      responses: {
        200: { description: "Ready", content: { "application/json": { schema: readySchema } } },
        503: { description: "Not ready (see components)", content: { "application/json": { schema: readySchema } } },
      },
    }),
    async (c) => {
      const report = deps.readiness
        ? await deps.readiness.check()
        : await storeOnly(deps);
      return c.json(report, report.status === "ready" ? 200 : 503, noStore);
    },
  );
  return app;
}

async function storeOnly(deps: ResolvedDeps): Promise<z.infer<typeof readySchema>> {
  const store = await deps.store.health().catch(() => "down" as const);
  return {
    status: store === "down" ? "not_ready" : "ready",
    checkedAt: deps.clock().toISOString(),
    components: { store: { status: store } },
  };
}
