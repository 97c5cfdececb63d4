import { afterEach, describe, expect, it } from "vitest";
import { sha256Hex } from "../../../src/api/auth.js";
import { inviteCodeHash } from "../../../src/registry/invites.js";
import { fixtureMeasurement } from "../../fixtures/measurement.js";
import { ago, createHarness, NOW, testConfig, type Harness } from "../harness.js";

const ADMIN = "admin-secret-for-tests";

function post(h: Harness, path: string, body: unknown, token: string | null = null) {
  return h.request(path, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...(token !== null && { Authorization: `Bearer ${token}` }) },
    body: JSON.stringify(body),
  });
}

async function invite(h: Harness, body: Record<string, unknown> = { region: "KZ-47", network: "kcell-mobile" }) {
  const res = await post(h, "/api/v1/admin/invites", body, ADMIN);
  return { res, json: (await res.json()) as { code: string; expiresAt: string; error?: { message: string } } };
}

interface Enrolled { probeId: string; region: string; network: { id: string; asn: number | null; kind: string }; token: string }

describe("enrollment API", () => {
  let h: Harness;
  let now = NOW;
  afterEach(async () => h.close());
  const harness = async (extra: Record<string, unknown> = {}) => {
    now = NOW;
    h = await createHarness({ clock: () => now }, testConfig({ server: { adminTokenHash: sha256Hex(ADMIN) }, ...extra }));
  };

  it("an invite needs the admin token, a configured region and network, and a sane expiry", async () => {
    await harness();
    expect((await post(h, "/api/v1/admin/invites", { region: "KZ-47", network: "kcell-mobile" })).status).toBe(401);
    expect((await post(h, "/api/v1/admin/invites", { region: "KZ-47", network: "kcell-mobile" }, "guess")).status).toBe(401);
    expect((await invite(h, { region: "KZ-99", network: "kcell-mobile" })).json.error?.message).toMatch(/region KZ-99 is not in the server's configuration/);
    expect((await invite(h, { region: "KZ-47", network: "beeline" })).json.error?.message).toMatch(/network beeline is not/);
    expect((await invite(h, { region: "' OR 1=1 --", network: "kcell-mobile" })).res.status).toBe(400);
    expect((await invite(h, { region: "KZ-47", network: "kcell-mobile", expires: "forever" })).json.error?.message).toMatch(/30m, 12h or 7d/);
    expect((await invite(h, { region: "KZ-47", network: "kcell-mobile", expires: "91d" })).res.status).toBe(400);
    const ok = await invite(h, { region: "KZ-47", network: "kcell-mobile", expires: "12h" });
    expect(ok.res.status).toBe(201);
    expect(ok.json.code).toMatch(/^kwi_[A-Za-z0-9_-]{24}$/);
    expect(ok.json.expiresAt).toBe(new Date(NOW.getTime() + 12 * 3600_000).toISOString());
  });

  it("a code registers one probe with a new id and a token, once; the store keeps only hashes", async () => {
    await harness();
    const { json: { code } } = await invite(h);
    const res = await post(h, "/api/v1/enroll", { code });
    expect(res.status).toBe(201);
    const e = (await res.json()) as Enrolled;
    expect(e.probeId).toMatch(/^probe-[0-9a-f]{12}$/);
    expect({ region: e.region, network: e.network }).toEqual({ region: "KZ-47", network: { id: "kcell-mobile", asn: 29355, kind: "mobile" } });
    expect(await h.store.findProbeToken(sha256Hex(e.token))).toMatchObject({ probeId: e.probeId, region: "KZ-47", revokedAt: null });
    expect(await h.store.getEnrolledProbe(e.probeId)).toMatchObject({ region: "KZ-47", network: "kcell-mobile" });
    // Neither the code nor the token is stored in the clear anywhere in the database.
    const { readFileSync } = await import("node:fs");
    const raw = readFileSync(h.dbPath).toString("latin1") + (() => { try { return readFileSync(`${h.dbPath}-wal`).toString("latin1"); } catch { return ""; } })();
    expect(raw).not.toContain(code);
    expect(raw).not.toContain(e.token);
    expect(raw).toContain(inviteCodeHash(code));

    // Reuse: refused, and no second probe appears.
    const again = await post(h, "/api/v1/enroll", { code });
    expect(again.status).toBe(401);
    expect(((await again.json()) as { error: { message: string } }).error.message).toMatch(/already used/);
  });

  it("two agents racing for one code: exactly one is enrolled", async () => {
    await harness();
    const { json: { code } } = await invite(h);
    const answers = await Promise.all(Array.from({ length: 6 }, () => post(h, "/api/v1/enroll", { code })));
    expect(answers.map((r) => r.status).sort()).toEqual([201, 401, 401, 401, 401, 401]);
  });

  it("an expired code is refused", async () => {
    await harness();
    const { json: { code } } = await invite(h, { region: "KZ-47", network: "kcell-mobile", expires: "30m" });
    now = new Date(NOW.getTime() + 30 * 60_000);
    const res = await post(h, "/api/v1/enroll", { code });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/expired/);
  });

  it("guessing codes is rate limited: after the failed-token budget even a right code waits (429, Retry-After)", async () => {
    await harness({ uploads: { failedAuthPerMinute: 5 } });
    const { json: { code } } = await invite(h);
    for (let i = 0; i < 5; i++) {
      const guess = `kwi_${"A".repeat(23)}${i}`;
      expect((await post(h, "/api/v1/enroll", { code: guess })).status).toBe(401);
    }
    expect((await post(h, "/api/v1/enroll", { code: "not even a code" })).status).toBe(429);
    const blocked = await post(h, "/api/v1/enroll", { code });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThan(0);
    // The right code was not spent by the refused attempt.
    expect((await h.store.redeemInvite(inviteCodeHash(code), now, "probe-later", sha256Hex("t"))).ok).toBe(true);
  });

  it("an enrolled probe uploads as the registry says it is; a revoked token is refused", async () => {
    await harness();
    const { json: { code } } = await invite(h);
    const e = (await (await post(h, "/api/v1/enroll", { code })).json()) as Enrolled;
    // An item claiming another region or role is rejected; an honest one is stored with the registry's identity.
    const forged = fixtureMeasurement({ probeId: e.probeId, region: "KZ-75", network: "kcell-mobile", startedAt: ago(1) });
    const control = fixtureMeasurement({ probeId: e.probeId, region: "KZ-47", network: "kcell-mobile", role: "control", startedAt: ago(1) });
    const honest = fixtureMeasurement({ probeId: e.probeId, region: "KZ-47", network: "kcell-mobile", startedAt: ago(1) });
    const up = await post(h, "/api/v1/measurements", { measurements: [forged, control, honest] }, e.token);
    expect(up.status).toBe(202);
    const verdict = (await up.json()) as { accepted: number; rejected: { index: number; error: string }[] };
    expect(verdict.accepted).toBe(1);
    expect(verdict.rejected.map((r) => r.index)).toEqual([0, 1]);
    expect(verdict.rejected[0]!.error).toMatch(/registered in region KZ-47/);
    expect(await h.store.getMeasurement(forged.id)).toBeNull();
    const stored = await h.store.getMeasurement(honest.id);
    expect(stored).toMatchObject({ region: "KZ-47", probe: { id: e.probeId, role: "region" }, network: { id: "kcell-mobile", asn: 29355 } });

    const revoke = await h.request(`/api/v1/admin/probes/${e.probeId}/tokens`, { method: "DELETE", headers: { Authorization: `Bearer ${ADMIN}` } });
    expect(await revoke.json()).toEqual({ revoked: 1 });
    expect((await post(h, "/api/v1/measurements", { measurements: [fixtureMeasurement({ probeId: e.probeId, region: "KZ-47", startedAt: ago(1) })] }, e.token)).status).toBe(401);
  });
});
