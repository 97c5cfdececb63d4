import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { sha256Hex } from "../../../src/api/auth.js";
import { createHarness, NOW, testConfig, type Harness } from "../harness.js";

const TOKEN = "kwp_test-token-for-probe-47";

describe("agent endpoints as a careless or hostile agent would call them", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await createHarness({}, testConfig({ server: { trustProxy: true }, targets: { fromWhitelist: false,
      extra: [{ url: "https://gov.test/", list: "whitelisted", category: "government" }] } }));
    await h.store.saveProbeToken({ probeId: "probe-47", region: "KZ-47", tokenHash: sha256Hex(TOKEN), createdAt: NOW.toISOString(), revokedAt: null });
  });
  afterEach(async () => h.close());

  const beat = (body: unknown, token: string | null = TOKEN, extra: Record<string, string> = {}) => h.request("/api/v1/agent/heartbeat", {
    method: "POST",
    headers: { "Content-Type": "application/json", ...(token !== null && { Authorization: `Bearer ${token}` }), ...extra },
    body: JSON.stringify(body),
  });
  const ok = { version: "keepwatch/0.1.0", spoolDepth: 3, clockOffsetMs: -1200, lastRoundAt: NOW.toISOString(), lastError: null };

  it("assignment: the configured probe's targets, schedule and resolvers; no token → 401", async () => {
    expect((await h.request("/api/v1/agent/assignment")).status).toBe(401);
    const res = await h.request("/api/v1/agent/assignment", { headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ probeId: "probe-47", region: "KZ-47", network: { id: "kcell-mobile" },
      schedule: { cron: "*/5 * * * *" }, targets: [{ url: "https://gov.test/", list: "whitelisted", category: "government" }] });
  });

  it("heartbeat: stored per probe with the server's time; bad bodies get 400 and store nothing", async () => {
    expect((await beat(ok, null)).status).toBe(401);
    expect((await beat(ok, "kwp_wrong")).status).toBe(401);
    for (const bad of [{ ...ok, spoolDepth: -1 }, { ...ok, lastError: "x".repeat(501) }, { ...ok, lastRoundAt: "yesterday" }, { version: "v" }]) {
      expect((await beat(bad)).status).toBe(400);
    }
    expect(await h.store.listHeartbeats()).toEqual([]);
    expect((await beat(ok)).status).toBe(200);
    expect(await h.store.listHeartbeats()).toEqual([{ probeId: "probe-47", receivedAt: NOW.toISOString(), ...ok }]);
  });

  it("the volunteer's own address in an error text never reaches the store", async () => {
    const res = await beat({ ...ok, lastError: "bind 198.18.0.7:0 failed; EADDRNOTAVAIL 198.18.0.7" }, TOKEN, { "X-Forwarded-For": "198.18.0.7" });
    expect(res.status).toBe(200);
    const [stored] = await h.store.listHeartbeats();
    expect(stored!.lastError).not.toContain("198.18.0.7");
    expect(stored!.lastError).toContain("[address]");
  });
});
