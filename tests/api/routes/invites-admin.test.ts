// Listing and revoking invites over the admin API, as a careless operator and an attacker would.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { sha256Hex } from "../../../src/api/auth.js";
import { createHarness, NOW, testConfig, type Harness } from "../harness.js";

const ADMIN = "admin-secret-for-tests";

describe("admin invites: list and revoke", () => {
  let h: Harness;
  let now = NOW;
  beforeEach(async () => {
    now = NOW;
    h = await createHarness({ clock: () => now }, testConfig({ server: { adminTokenHash: sha256Hex(ADMIN) } }));
  });
  afterEach(async () => h.close());

  const call = (method: string, path: string, body?: unknown, token: string | null = ADMIN) => h.request(path, {
    method,
    headers: { "Content-Type": "application/json", ...(token !== null && { Authorization: `Bearer ${token}` }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const list = async () => ((await (await call("GET", "/api/v1/admin/invites")).json()) as { invites: { id: string; status: string; probeId: string | null; expiresAt: string }[] }).invites;
  const invite = async (network = "kcell-mobile") => ((await (await call("POST", "/api/v1/admin/invites", { region: "KZ-47", network })).json()) as { code: string }).code;
  const enroll = (code: string) => call("POST", "/api/v1/enroll", { code }, null);

  it("lists region, network, times, status and the probe that used it; never a code", async () => {
    const a = await invite();
    now = new Date(NOW.getTime() + 60_000);
    const b = await invite("kt-fixed");
    const enrolled = (await (await enroll(a)).json()) as { probeId: string };
    const res = await call("GET", "/api/v1/admin/invites");
    const text = await res.text();
    expect(text).not.toContain(a);
    expect(text).not.toContain(b);
    expect(text).not.toContain(a.slice(4)); // not even the random part
    const invites = JSON.parse(text).invites;
    expect(invites).toEqual([
      { id: expect.stringMatching(/^[0-9a-f]{12}$/), region: "KZ-47", network: "kt-fixed", createdAt: now.toISOString(), expiresAt: expect.any(String), status: "open", usedAt: null, probeId: null },
      { id: expect.stringMatching(/^[0-9a-f]{12}$/), region: "KZ-47", network: "kcell-mobile", createdAt: NOW.toISOString(), expiresAt: expect.any(String), status: "used", usedAt: now.toISOString(), probeId: enrolled.probeId },
    ]);
  });

  it("a revoked code no longer enrolls; used, expired, unknown and malformed ids get clear errors", async () => {
    const code = await invite();
    const [open] = await list();
    expect((await call("DELETE", `/api/v1/admin/invites/${open!.id}`, undefined, null)).status).toBe(401);
    expect((await call("DELETE", `/api/v1/admin/invites/${open!.id}`, undefined, "guess")).status).toBe(401);
    const revoked = await call("DELETE", `/api/v1/admin/invites/${open!.id}`);
    expect(revoked.status).toBe(200);
    expect(await revoked.json()).toMatchObject({ id: open!.id, status: "expired", expiresAt: NOW.toISOString() });
    const refused = await enroll(code);
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(/expired/);
    expect((await list())[0]!.status).toBe("expired");

    const again = await call("DELETE", `/api/v1/admin/invites/${open!.id}`);
    expect(again.status).toBe(409);
    const used = await invite();
    await enroll(used);
    const usedId = (await list()).find((i) => i.status === "used")!.id;
    const usedAnswer = await call("DELETE", `/api/v1/admin/invites/${usedId}`);
    expect(usedAnswer.status).toBe(409);
    expect(((await usedAnswer.json()) as { error: { message: string } }).error.message).toMatch(/already used by probe probe-[0-9a-f]{12}; revoke the probe/);
    expect((await call("DELETE", "/api/v1/admin/invites/000000000000")).status).toBe(404);
    for (const bad of ["xyz", "' OR 1=1 --", "0".repeat(64)]) {
      expect((await call("DELETE", `/api/v1/admin/invites/${encodeURIComponent(bad)}`)).status).toBe(400);
    }
  });
});
