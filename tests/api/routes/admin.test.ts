import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { sha256Hex } from "../../../src/api/auth.js";
import { fixtureMeasurement } from "../../fixtures/measurement.js";
import { ago, createHarness, testConfig, type Harness } from "../harness.js";

const ADMIN = "admin-secret-for-tests";

function admin(h: Harness, method: string, path: string, token: string | null = ADMIN, body?: unknown) {
  return h.request(path, {
    method,
    headers: {
      ...(token !== null && { Authorization: `Bearer ${token}` }),
      ...(body !== undefined && { "Content-Type": "application/json" }),
    },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
}

describe("admin API", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await createHarness({}, testConfig({ server: { adminTokenHash: sha256Hex(ADMIN) } }));
  });
  afterEach(async () => h.close());

  it("needs the admin token", async () => {
    expect((await admin(h, "POST", "/api/v1/admin/probes/probe-47/tokens", null)).status).toBe(401);
    const wrong = await admin(h, "POST", "/api/v1/admin/probes/probe-47/tokens", "admin-secret-for-test");
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as { error: { code: string } }).error.code).toBe("unauthorized");
    expect((await admin(h, "DELETE", "/api/v1/admin/probes/probe-47/tokens", "x")).status).toBe(401);
  });

  it("issues a token bound to the probe's configured region, stores only its hash, and revokes it", async () => {
    const res = await admin(h, "POST", "/api/v1/admin/probes/probe-47/tokens");
    expect(res.status).toBe(201);
    const { token, probeId, region } = (await res.json()) as { token: string; probeId: string; region: string };
    expect({ probeId, region }).toEqual({ probeId: "probe-47", region: "KZ-47" });
    expect(token).toMatch(/^kwp_[A-Za-z0-9_-]{43}$/);
    const stored = await h.store.findProbeToken(sha256Hex(token));
    expect(stored).toMatchObject({ probeId: "probe-47", region: "KZ-47", revokedAt: null });
    expect(JSON.stringify(stored)).not.toContain(token);

    const m = fixtureMeasurement({ probeId: "probe-47", region: "KZ-47", startedAt: ago(1) });
    const up = () =>
      h.request("/api/v1/measurements", {
        method: "POST",
        headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
        body: JSON.stringify({ measurements: [m] }),
      });
    expect((await up()).status).toBe(202);

    const del = await admin(h, "DELETE", "/api/v1/admin/probes/probe-47/tokens");
    expect(await del.json()).toEqual({ revoked: 1 });
    expect((await up()).status).toBe(401);
  });

  it("issues tokens only for configured probes, bound to their configured region", async () => {
    const unknown = await admin(h, "POST", "/api/v1/admin/probes/new-probe/tokens", ADMIN, { region: "KZ-11" });
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { error: { message: string } }).error.message).toMatch(/not in the server's configuration/);
    const wrongRegion = await admin(h, "POST", "/api/v1/admin/probes/probe-47/tokens", ADMIN, { region: "KZ-75" });
    expect(wrongRegion.status).toBe(400);
    expect(((await wrongRegion.json()) as { error: { message: string } }).error.message).toMatch(/configured for region KZ-47/);
    // The older letter code names the same region.
    const letter = await admin(h, "POST", "/api/v1/admin/probes/probe-47/tokens", ADMIN, { region: "KZ-MAN" });
    expect(letter.status).toBe(201);
    expect(((await letter.json()) as { region: string }).region).toBe("KZ-47");
  });

  it("refuses hostile probe and region ids with 400 and stores nothing", async () => {
    const hostile = ["' OR 1=1 --", "probe-47\r\nX-Injected: 1", "probe-47\n", "prоbe-47" /* Cyrillic o */, "p".repeat(65),
      "../probe-47", "probe 47", "probe-47;DROP TABLE probe_tokens"];
    for (const id of hostile) {
      for (const method of ["POST", "DELETE"] as const) {
        const res = await admin(h, method, `/api/v1/admin/probes/${encodeURIComponent(id)}/tokens`);
        expect(res.status, `${method} ${JSON.stringify(id)}`).toBe(400);
        const body = (await res.json()) as { error: { code: string; message: string } };
        expect(body.error.code).toBe("bad_request");
        expect(body.error.message).toMatch(/probe id/);
      }
    }
    for (const region of ["' OR 1=1 --", "KZ-47\r\n", "kz-47", "Ｋ Z-47", "K".repeat(65)]) {
      const res = await admin(h, "POST", "/api/v1/admin/probes/probe-47/tokens", ADMIN, { region });
      expect(res.status, JSON.stringify(region)).toBe(400);
      expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/region id/);
    }
    expect(await h.store.findProbeToken("0".repeat(64))).toBeNull();
  });
});

describe("admin API token sources", () => {
  it("accepts the plain KEEPWATCH_ADMIN_TOKEN-style token and is disabled (403) with none", async () => {
    const withPlain = await createHarness({ adminToken: "plain-admin" });
    try {
      expect((await admin(withPlain, "DELETE", "/api/v1/admin/probes/p/tokens", "plain-admin")).status).toBe(200);
      expect((await admin(withPlain, "DELETE", "/api/v1/admin/probes/p/tokens", "plain-admiN")).status).toBe(401);
    } finally {
      await withPlain.close();
    }
    const saved = process.env.KEEPWATCH_ADMIN_TOKEN;
    delete process.env.KEEPWATCH_ADMIN_TOKEN;
    const none = await createHarness();
    try {
      const res = await admin(none, "DELETE", "/api/v1/admin/probes/p/tokens", "anything");
      expect(res.status).toBe(403);
      expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/adminTokenHash/);
    } finally {
      await none.close();
      if (saved !== undefined) process.env.KEEPWATCH_ADMIN_TOKEN = saved;
    }
  });
});
