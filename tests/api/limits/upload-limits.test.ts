// The limits in front of POST /measurements, as an agent (or an abuser with a token) meets them: 429 with
// Retry-After for a token over its rate or concurrency, 503 with Retry-After when the server has no room
// (body budget, results queue), and nothing of a refused upload is queued.
import { afterEach, describe, expect, it } from "vitest";
import { sha256Hex } from "../../../src/api/auth.js";
import type { AppDeps } from "../../../src/api/deps.js";
import { fixtureMeasurement } from "../../fixtures/measurement.js";
import { ago, createHarness, NOW, testConfig, type Harness } from "../harness.js";

const TOKEN_A = "kwp_limits-token-a";
const TOKEN_B = "kwp_limits-token-b";

let h: Harness;
afterEach(async () => h?.close());

async function harness(uploads: Record<string, unknown>, overrides: Partial<AppDeps> = {}): Promise<Harness> {
  h = await createHarness(overrides, testConfig({ uploads }));
  await h.store.saveProbeToken({ probeId: "probe-47", region: "KZ-47", tokenHash: sha256Hex(TOKEN_A), createdAt: NOW.toISOString(), revokedAt: null });
  await h.store.saveProbeToken({ probeId: "probe-75", region: "KZ-75", tokenHash: sha256Hex(TOKEN_B), createdAt: NOW.toISOString(), revokedAt: null });
  return h;
}

const batch = (n: number, token = TOKEN_A) =>
  Array.from({ length: n }, () =>
    token === TOKEN_A
      ? fixtureMeasurement({ probeId: "probe-47", region: "KZ-47", network: "kcell-mobile", startedAt: ago(1) })
      : fixtureMeasurement({ probeId: "probe-75", region: "KZ-75", network: "kt-fixed", startedAt: ago(1) }));

function upload(items: unknown[], token = TOKEN_A): Promise<Response> {
  return h.request("/api/v1/measurements", {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
    body: JSON.stringify({ measurements: items }),
  });
}

async function expectRefusal(res: Response, status: number, code: string): Promise<number> {
  expect(res.status).toBe(status);
  const retryAfter = Number(res.headers.get("retry-after"));
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(((await res.json()) as { error: { code: string } }).error.code).toBe(code);
  return retryAfter;
}

/** An enqueue that waits until released: holds uploads in flight. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  let entered = 0;
  return { enqueue: async () => { entered += 1; await opened; }, open: () => open(), entered: () => entered };
}
async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 10));
}

describe("per-token limits", () => {
  it("answers 429 with Retry-After past the token's requests per minute; other tokens are unaffected", async () => {
    await harness({ requestsPerMinute: 3 });
    for (let i = 0; i < 3; i++) expect((await upload(batch(1))).status).toBe(202);
    const refused = batch(1);
    const retryAfter = await expectRefusal(await upload(refused), 429, "rate_limited");
    expect(retryAfter).toBeGreaterThanOrEqual(19);
    expect(retryAfter).toBeLessThanOrEqual(20);
    expect(await h.store.getMeasurement(refused[0]!.id)).toBeNull();
    expect((await upload(batch(1, TOKEN_B), TOKEN_B)).status).toBe(202);
    expect(await h.metrics.registry.metrics()).toContain('keepwatch_upload_refusals_total{reason="token_requests"} 1');
  });

  it("counts measurements: a big batch is taken once, the next upload waits until the minute's share is back", async () => {
    await harness({ measurementsPerMinute: 100 });
    expect((await upload(batch(150))).status).toBe(202);
    const retryAfter = await expectRefusal(await upload(batch(1)), 429, "rate_limited");
    expect(retryAfter).toBeGreaterThanOrEqual(31); // 50 of debt, 51 to get one back, at 100 a minute
    expect(retryAfter).toBeLessThanOrEqual(32);
  });

  it("answers 429 past the token's uploads in flight, and takes uploads again once they finish", async () => {
    const g = gate();
    await harness({ concurrentPerToken: 2 }, { enqueueResults: g.enqueue });
    const first = upload(batch(1));
    const second = upload(batch(1));
    await until(() => g.entered() === 2);
    await expectRefusal(await upload(batch(1)), 429, "rate_limited");
    const g2 = upload(batch(1, TOKEN_B), TOKEN_B); // Another token still has its own share.
    await until(() => g.entered() === 3);
    g.open();
    expect([(await first).status, (await second).status, (await g2).status]).toEqual([202, 202, 202]);
    expect((await upload(batch(1))).status).toBe(202);
  });
});

describe("server-wide room", () => {
  it("answers 503 with Retry-After when the bodies in flight would pass the body budget, before reading the body", async () => {
    const g = gate();
    await harness({ inFlightBytes: 4_000 }, { enqueueResults: g.enqueue });
    const held = upload(batch(1)); // ~1.5 KB: one upload is always let through
    await until(() => g.entered() === 1);
    await expectRefusal(await upload(batch(3, TOKEN_B), TOKEN_B), 503, "unavailable");
    expect(g.entered()).toBe(1);
    expect(await h.metrics.registry.metrics()).toContain('keepwatch_upload_refusals_total{reason="body_budget"} 1');
    g.open();
    expect((await held).status).toBe(202);
    expect((await upload(batch(3, TOKEN_B), TOKEN_B)).status).toBe(202);
  });

  it("answers 503 with Retry-After when the results queue has no room, or its check fails, and queues nothing", async () => {
    let room: "yes" | "no" | "broken" = "no";
    await harness({}, {
      queueRoom: async () => {
        if (room === "broken") throw new Error("Command timed out");
        return room === "yes" ? { ok: true } : { ok: false, reason: "results queue is nearly full; retry later", retryAfterMs: 60_000 };
      },
    });
    expect(await expectRefusal(await upload(batch(1)), 503, "unavailable")).toBe(60);
    room = "broken";
    await expectRefusal(await upload(batch(1)), 503, "unavailable");
    expect(h.enqueued).toHaveLength(0);
    room = "yes";
    expect((await upload(batch(1))).status).toBe(202);
  });
});

describe("failed token checks", () => {
  async function tryToken(base: string, path: string, token: string, method = "POST"): Promise<Response> {
    return fetch(`${base}${path}`, {
      method,
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
      body: method === "POST" ? JSON.stringify({ measurements: [] }) : null,
    });
  }

  it("limits guesses per client address with 429, then refuses even a right token from that address", async () => {
    await harness({ failedAuthPerMinutePerAddress: 5 });
    const base = await h.listen();
    for (let i = 0; i < 5; i++) expect((await tryToken(base, "/api/v1/measurements", `kwp_guess-${i}`)).status).toBe(401);
    const retryAfter = await expectRefusal(await tryToken(base, "/api/v1/measurements", "kwp_guess-6"), 429, "rate_limited");
    expect(retryAfter).toBeGreaterThanOrEqual(11);
    // A right guess would otherwise be told apart from a wrong one: the address waits whatever it sends.
    expect((await tryToken(base, "/api/v1/measurements", TOKEN_A)).status).toBe(429);
  });

  it("limits guesses across all clients, on uploads and on the admin API", async () => {
    await harness({ failedAuthPerMinute: 4 }, { adminToken: "kwa_the-admin-token" });
    for (let i = 0; i < 2; i++) expect((await upload([], `kwp_guess-${i}`)).status).toBe(401);
    for (let i = 0; i < 2; i++) {
      const res = await h.request("/api/v1/admin/probes/probe-47/tokens", { method: "POST", headers: { Authorization: `Bearer kwa_guess-${i}` } });
      expect(res.status).toBe(401);
    }
    await expectRefusal(await upload([], "kwp_guess-x"), 429, "rate_limited");
    const admin = await h.request("/api/v1/admin/probes/probe-47/tokens", { method: "POST", headers: { Authorization: "Bearer kwa_guess-x" } });
    await expectRefusal(admin, 429, "rate_limited");
  });

  it("does not count successful uploads, or refusals that are not about the token", async () => {
    await harness({ failedAuthPerMinute: 1 });
    for (let i = 0; i < 5; i++) expect((await upload(batch(1))).status).toBe(202);
    const bad = await h.request("/api/v1/measurements", { method: "POST", headers: { Authorization: `Bearer ${TOKEN_A}`, "Content-Type": "application/json" }, body: "{not json" });
    expect(bad.status).toBe(400);
    expect((await upload(batch(1))).status).toBe(202);
  });
});

describe("clientKey", () => {
  it("takes IPv4 as is, unwraps IPv4-mapped IPv6, and groups IPv6 by /64", async () => {
    const { clientKey } = await import("../../../src/api/limits/auth-failures.js");
    expect(clientKey("198.18.77.77")).toBe("198.18.77.77");
    expect(clientKey("::ffff:198.18.77.77")).toBe("198.18.77.77");
    expect(clientKey("2001:db8:1:2:aaaa::1")).toBe("2001:db8:1:2::/64");
    expect(clientKey("2001:db8:1:2:bbbb:cccc:dddd:eeee")).toBe("2001:db8:1:2::/64");
    expect(clientKey("2001:db8::1")).toBe("2001:db8:0:0::/64");
    expect(clientKey("::1")).toBe("0:0:0:0::/64");
    expect(clientKey("fe80::1%eth0")).toBe("fe80:0:0:0::/64");
    expect(clientKey("2001:0db8:0001:0002::1")).toBe("2001:db8:1:2::/64");
  });
});
