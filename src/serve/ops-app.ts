// The HTTP face of a `keepwatch serve` process without the api role (a detector, scheduler or alerts
// candidate): only what an orchestrator and Prometheus need — /livez, /healthz, /readyz and /metrics. The
// REST API, uploads and the dashboard are the api role's (src/api/app.ts, same answers for these paths).
import { Hono } from "hono";
import type { Readiness } from "../health/readiness.js";
import type { Metrics } from "../metrics/metrics.js";

const noStore = { "Cache-Control": "no-store" };

export function createOpsApp(deps: { readiness: Readiness; metrics: Metrics }): Hono {
  const app = new Hono();
  for (const path of ["/livez", "/healthz"]) app.get(path, (c) => c.json({ status: "ok" }, 200, noStore));
  app.get("/readyz", async (c) => {
    const report = await deps.readiness.check();
    return c.json(report, report.status === "ready" ? 200 : 503, noStore);
  });
  app.get("/metrics", async (c) => c.body(await deps.metrics.render(), 200, { "Content-Type": deps.metrics.contentType, ...noStore }));
  app.notFound((c) => c.json({ error: { code: "not_found", message: "this process runs no api role; only /livez, /readyz and /metrics" } }, 404));
  return app;
}
