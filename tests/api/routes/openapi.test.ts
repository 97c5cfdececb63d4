// GET /api/v1/openapi.json: complete (every route the app really serves, enumerated from Hono's routes),
// every operation named and its security stated, and lint-clean in @redocly/cli with the repository's
// redocly.yaml (no error, no warning).
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { packagePath } from "../../../src/package-root.js";
import { createHarness, type Harness } from "../harness.js";

type Operation = { operationId?: string; security?: Record<string, string[]>[]; parameters?: { name: string; in: string }[] };
type Doc = {
  openapi: string;
  info: { license?: { identifier?: string } };
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> };
};

/** The web UI: HTML pages and their assets, served by the dashboard sub-app; not part of the API. */
const DASHBOARD_PAGE = /^\/(?:(?:kk|ru|en)(?:\/|$))?(?:$|incidents(?:\/:id)?$|probes$|regions\/:id$|login$|audit$)|^\/assets\/\*$/;

function redoclyLint(doc: unknown): { status: number | null; output: string } {
  const dir = mkdtempSync(join(tmpdir(), "kw-openapi-"));
  try {
    const file = join(dir, "openapi.json");
    writeFileSync(file, JSON.stringify(doc, null, 2));
    const r = spawnSync(process.execPath, [packagePath("node_modules", "@redocly", "cli", "bin", "cli.js"), "lint", file, "--config", packagePath("redocly.yaml"), "--format", "stylish"], {
      encoding: "utf8",
      timeout: 120_000,
      env: { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true", DO_NOT_TRACK: "1" },
    });
    return { status: r.status, output: `${r.stdout}${r.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("GET /api/v1/openapi.json", () => {
  let h: Harness;
  let doc: Doc;
  beforeEach(async () => {
    h = await createHarness();
    const res = await h.request("/api/v1/openapi.json");
    expect(res.status).toBe(200);
    doc = JSON.parse(await res.text()) as Doc;
  });
  afterEach(async () => h.close());

  it("is an OpenAPI 3.1 document generated from the validating schemas", () => {
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths["/api/v1/admin/probes/{id}/tokens"]!).sort()).toEqual(["delete", "post"]);
    const incidentParams = doc.paths["/api/v1/incidents"]!.get!.parameters!.map((p) => p.name);
    expect(incidentParams).toEqual(expect.arrayContaining(["region", "network", "kind", "status", "since", "until", "limit", "offset"]));
    expect(Object.keys(doc.components.schemas)).toEqual(expect.arrayContaining(["Regions", "Timeline", "Incidents", "IncidentDetail", "Error"]));
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(["adminToken", "probeToken", "sessionCookie"]);
    expect(doc.info.license?.identifier).toBe("AGPL-3.0-or-later");
  });

  it("describes every route the app serves (enumerated from Hono), besides the dashboard's pages", () => {
    const served = new Set<string>();
    const pages: string[] = [];
    for (const r of h.app.routes) {
      if (r.method === "ALL") continue; // middleware (CORS, limits, compression)
      if (DASHBOARD_PAGE.test(r.path)) {
        pages.push(r.path);
        continue;
      }
      served.add(`${r.method.toLowerCase()} ${r.path.replace(/:(\w+)/g, "{$1}")}`);
    }
    const described = new Set(Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`)));
    expect([...served].filter((r) => !described.has(r))).toEqual([]);
    for (const r of ["get /api/v1/admin/invites", "delete /api/v1/admin/invites/{id}", "get /api/v1/agent/whoami", "get /api/v1/events", "get /metrics", "get /healthz", "get /livez", "get /readyz", "get /api/v1/incidents/{id}/chart.png", "get /embed/regions/{id}"]) {
      expect(described).toContain(r);
    }
    // The exclusion is the web UI only, and the enumeration is real: these are served and left out.
    expect(pages).toEqual(expect.arrayContaining(["/", "/incidents/:id", "/ru/regions/:id", "/assets/*", "/login", "/kk/audit"]));
    expect(pages.every((p) => !p.startsWith("/api/") && p !== "/metrics")).toBe(true);
  });

  it("names every operation once and states its security: [] when public, the token scheme otherwise", () => {
    const ops = Object.entries(doc.paths).flatMap(([path, item]) => Object.entries(item).map(([method, op]) => ({ key: `${method} ${path}`, op })));
    const ids = ops.map((o) => o.op.operationId);
    expect(ids.every((id) => typeof id === "string" && /^[a-z][A-Za-z0-9]+$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    const security = Object.fromEntries(ops.map((o) => [o.key, o.op.security]));
    expect(security["get /api/v1/regions"]).toEqual([]);
    expect(security["get /api/v1/events"]).toEqual([]);
    expect(security["get /metrics"]).toEqual([]);
    expect(security["post /api/v1/enroll"]).toEqual([]);
    expect(security["post /api/v1/measurements"]).toEqual([{ probeToken: [] }]);
    expect(security["post /api/v1/admin/probes/{id}/tokens"]).toEqual([{ adminToken: [] }]);
    // The analysts' operations: signing in is public, everything else rides on the session cookie.
    expect(security["post /api/v1/session"]).toEqual([]);
    for (const op of ["post /api/v1/incidents/{id}/notes", "put /api/v1/incidents/{id}/verification", "get /api/v1/audit", "post /api/v1/users", "patch /api/v1/users/{name}"]) {
      expect(security[op], op).toEqual([{ sessionCookie: [] }]);
    }
    expect(ops.filter((o) => o.op.security === undefined).map((o) => o.key)).toEqual([]);
  });

  it("is lint-clean in @redocly/cli (recommended rules, redocly.yaml): no error, no warning", () => {
    const r = redoclyLint(doc);
    expect(r.output).toMatch(/Your API description is valid/);
    expect(r.output).not.toMatch(/\b(error|warning)\b\s+[a-z0-9-]+\s/);
    expect(r.output).not.toMatch(/You have \d+ warning/);
    expect(r.status).toBe(0);
  }, 150_000);

  it("the lint really judges: a public operation without security: [] is an error", () => {
    const broken = structuredClone(doc);
    delete broken.paths["/api/v1/regions"]!.get!.security;
    const r = redoclyLint(broken);
    expect(r.output).toMatch(/security-defined/);
    expect(r.status).not.toBe(0);
  }, 150_000);
});
