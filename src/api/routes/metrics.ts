// GET /metrics (Prometheus text format). Health endpoints are in health.ts.
import { Hono } from "hono";
import type { ResolvedDeps } from "../deps.js";

export function metricsRoutes(deps: ResolvedDeps) {
  const app = new Hono();
  app.get("/metrics", async (c) => {
    const body = await deps.metrics.render();
    return c.body(body, 200, { "Content-Type": deps.metrics.contentType, "Cache-Control": "no-store" });
  });
  return app;
}
