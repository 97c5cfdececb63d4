// GET /metrics (Prometheus text format) and GET /healthz.
import { Hono } from "hono";
import type { ResolvedDeps } from "../deps.js";

export function metricsRoutes(deps: ResolvedDeps) {
  const app = new Hono();
  app.get("/metrics", async (c) => {
    const body = await deps.metrics.render();
    return c.body(body, 200, { "Content-Type": deps.metrics.contentType, "Cache-Control": "no-store" });
  });
  app.get("/healthz", async (c) => {
    // Healthy = the store answers; Redis problems show in /metrics and in upload 503s, not here.
    try {
      await deps.store.getState("healthz");
      return c.json({ status: "ok" }, 200);
    } catch {
      return c.json({ status: "store unavailable" }, 503);
    }
  });
  return app;
}
