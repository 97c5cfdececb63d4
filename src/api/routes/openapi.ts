// GET /api/v1/openapi.json, generated from the zod schemas the routes validate with. Registered last, on the
// root app, because sub-apps hand their route definitions to the parent when they are mounted.
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { Env } from "hono";

export function mountOpenApi<E extends Env>(app: OpenAPIHono<E>, publicUrl: string | undefined): void {
  app.openAPIRegistry.registerComponent("securitySchemes", "probeToken", {
    type: "http",
    scheme: "bearer",
    description: "Upload token issued by POST /api/v1/admin/probes/{id}/tokens",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "adminToken", {
    type: "http",
    scheme: "bearer",
    description: "Admin token whose sha256 is server.adminTokenHash, or KEEPWATCH_ADMIN_TOKEN",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "sessionCookie", {
    type: "apiKey",
    in: "cookie",
    name: "kw_session",
    description: "Session from POST /api/v1/session (__Host-kw_session over https); writes also need the X-CSRF-Token header",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "readToken", {
    type: "http",
    scheme: "bearer",
    description: "A user's read token (kwu_…) for a private dashboard's read endpoints",
  });
  app.doc31("/api/v1/openapi.json", {
    openapi: "3.1.0",
    info: {
      title: "KeepWatch API",
      version: "1",
      description: "Internet shutdown and outage monitor: regions, timelines, incidents with evidence, exports.",
    },
    servers: [{ url: publicUrl ? publicUrl.replace(/\/+$/, "") : "/" }],
  });
}
