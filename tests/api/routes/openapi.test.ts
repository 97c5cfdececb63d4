import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createHarness, type Harness } from "../harness.js";

describe("GET /api/v1/openapi.json", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await createHarness();
  });
  afterEach(async () => h.close());

  it("is a valid OpenAPI 3.1 document listing every API path, generated from the validating schemas", async () => {
    const res = await h.request("/api/v1/openapi.json");
    expect(res.status).toBe(200);
    const doc = JSON.parse(await res.text()) as {
      openapi: string;
      paths: Record<string, Record<string, { parameters?: { name: string; in: string }[] }>>;
      components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> };
    };
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths).sort()).toEqual([
      "/api/v1/admin/invites",
      "/api/v1/admin/invites/{id}",
      "/api/v1/admin/probes/{id}/tokens",
      "/api/v1/agent/assignment",
      "/api/v1/agent/heartbeat",
      "/api/v1/agent/whoami",
      "/api/v1/audit",
      "/api/v1/audit.csv",
      "/api/v1/enroll",
      "/api/v1/incidents",
      "/api/v1/incidents/{id}",
      "/api/v1/incidents/{id}/export.csv",
      "/api/v1/incidents/{id}/notes",
      "/api/v1/incidents/{id}/verification",
      "/api/v1/measurements",
      "/api/v1/measurements/export.csv",
      "/api/v1/measurements/export.ndjson",
      "/api/v1/probes",
      "/api/v1/regions",
      "/api/v1/regions/{id}/targets",
      "/api/v1/regions/{id}/targets.csv",
      "/api/v1/regions/{id}/timeline",
      "/api/v1/session",
      "/api/v1/users",
      "/api/v1/users/{name}",
      "/api/v1/users/{name}/read-token",
      "/healthz",
      "/livez",
      "/readyz",
    ]);
    expect(Object.keys(doc.paths["/api/v1/admin/probes/{id}/tokens"]!).sort()).toEqual(["delete", "post"]);
    const incidentParams = doc.paths["/api/v1/incidents"]!.get!.parameters!.map((p) => p.name);
    expect(incidentParams).toEqual(expect.arrayContaining(["region", "network", "kind", "status", "since", "until", "limit", "offset"]));
    expect(Object.keys(doc.components.schemas)).toEqual(expect.arrayContaining(["Regions", "Timeline", "Incidents", "IncidentDetail", "Error"]));
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(["adminToken", "probeToken", "readToken", "sessionCookie"]);
  });
});
