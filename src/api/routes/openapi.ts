// GET /api/v1/openapi.json, generated from the zod schemas the routes validate with plus the hand-described
// routes (openapi-extra.ts). Registered last, on the root app, because sub-apps hand their route definitions
// to the parent when they are mounted. The finished document is lint-clean in @redocly/cli
// (tests/api/routes/openapi.test.ts): every operation has an operationId and says its security (`[]` for
// the public ones), and the document carries its license.
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { Env } from "hono";
import { registerExtraPaths } from "../openapi-extra.js";

/** Stable names for the zod-defined operations (clients generate method names from them). */
const OPERATION_IDS: Record<string, string> = {
  "get /api/v1/regions": "listRegions",
  "get /api/v1/regions/{id}/timeline": "getRegionTimeline",
  "get /api/v1/regions/{id}/targets": "getRegionTargets",
  "get /api/v1/regions/{id}/targets.csv": "getRegionTargetsCsv",
  "get /api/v1/incidents": "listIncidents",
  "get /api/v1/incidents/{id}": "getIncident",
  "get /api/v1/incidents/{id}/export.csv": "getIncidentCsv",
  "get /api/v1/probes": "listProbes",
  "get /api/v1/measurements/export.csv": "exportMeasurementsCsv",
  "get /api/v1/measurements/export.ndjson": "exportMeasurementsNdjson",
  "post /api/v1/measurements": "uploadMeasurements",
  "post /api/v1/admin/probes/{id}/tokens": "createProbeToken",
  "delete /api/v1/admin/probes/{id}/tokens": "revokeProbeTokens",
  "post /api/v1/admin/invites": "createInvite",
  "get /api/v1/admin/invites": "listInvites",
  "delete /api/v1/admin/invites/{id}": "revokeInvite",
  "post /api/v1/enroll": "enroll",
  "get /api/v1/agent/assignment": "getAgentAssignment",
  "post /api/v1/agent/heartbeat": "postAgentHeartbeat",
  "get /api/v1/agent/whoami": "getAgentWhoami",
  "get /livez": "getLiveness",
  "get /healthz": "getHealth",
  "get /readyz": "getReadiness",
};
const METHODS = ["get", "put", "post", "delete", "patch", "head", "options"] as const;

/** A name for an operation no one named yet: method + path words ("get /api/v1/x/{id}/y" → "getXByIdY"). */
export function derivedOperationId(method: string, path: string): string {
  const words = path
    .replace(/^\/api\/v1/, "")
    .split(/[/.\-_]/)
    .filter(Boolean)
    .map((w) => (w.startsWith("{") ? `By${w.slice(1, -1)}` : w))
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1));
  return method + words.join("");
}

type Operation = { operationId?: string; security?: unknown[] };
type Document = { paths?: Record<string, Partial<Record<(typeof METHODS)[number], Operation>>>; info: Record<string, unknown> };

/** Fills in what every operation must say: its operationId, and `security: []` when it is public. */
export function finishDocument<D extends Document>(doc: D): D {
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      op.operationId ??= OPERATION_IDS[`${method} ${path}`] ?? derivedOperationId(method, path);
      op.security ??= [];
    }
  }
  doc.info.license = { name: "AGPL-3.0-or-later", identifier: "AGPL-3.0-or-later" };
  return doc;
}

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
  registerExtraPaths(app.openAPIRegistry);
  const config = {
    openapi: "3.1.0",
    info: {
      title: "KeepWatch API",
      version: "1",
      // Read tokens are not a security scheme of their own: the read operations are public unless the
      // server is private, and then a session or a user's read token opens them alike.
      description: "Internet shutdown and outage monitor: regions, timelines, incidents with evidence, exports. " +
        "On a private server (server.private) the read operations also need a session cookie or a user's read token (Authorization: Bearer kwu_…).",
    },
    servers: [{ url: publicUrl ? publicUrl.replace(/\/+$/, "") : "/" }],
  };
  // Built at the first request (every sub-app is mounted by then) and reused.
  let document: unknown = null;
  app.get("/api/v1/openapi.json", (c) => {
    document ??= finishDocument(app.getOpenAPI31Document(config) as unknown as Document);
    return c.json(document as object);
  });
}
