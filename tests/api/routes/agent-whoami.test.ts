// GET /agent/whoami and the attribution on uploads, as an honest agent, a careless one (home Wi-Fi) and a
// forger would use them. Real SQLite store, real IP-to-ASN loader on the lab's data files.
import { rmSync } from "node:fs";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { sha256Hex } from "../../../src/api/auth.js";
import type { Attribution, Measurement } from "../../../src/measurement.js";
import { fixtureMeasurement } from "../../fixtures/measurement.js";
import { LAB_NETWORKS, writeLabIpToAsn } from "../../attribution/lab-data.js";
import { ago, createHarness, NOW, testConfig, type Harness } from "../harness.js";

const TOKEN = "kwp_test-token-for-probe-47";
const OTHER = "kwp_test-token-for-probe-75";
const data = writeLabIpToAsn();
afterAll(() => rmSync(data, { recursive: true, force: true }));

describe("GET /api/v1/agent/whoami", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await createHarness({}, testConfig({ server: { trustProxy: true, ipToAsnData: data }, uploads: { requestsPerMinute: 5 } }));
    await h.store.saveProbeToken({ probeId: "probe-47", region: "KZ-47", tokenHash: sha256Hex(TOKEN), createdAt: NOW.toISOString(), revokedAt: null });
    await h.store.saveProbeToken({ probeId: "probe-75", region: "KZ-75", tokenHash: sha256Hex(OTHER), createdAt: NOW.toISOString(), revokedAt: null });
  });
  afterEach(async () => h.close());

  const whoami = (from: string, token: string | null = TOKEN, headers: Record<string, string> = {}) => h.request("/api/v1/agent/whoami", {
    headers: { "X-Forwarded-For": from, ...(token !== null && { Authorization: `Bearer ${token}` }), ...headers },
  });

  it("names the AS and country of the address the request came from, sealed; never echoes the address", async () => {
    const res = await whoami(LAB_NETWORKS.mobile.sample);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({ asn: 29355, asName: "Kcell JSC", country: "KZ", confirmedAt: NOW.toISOString(), seal: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) });
    expect(text).not.toContain("198.18.77.77");
    expect(text).not.toContain("198-18-77-77");
    const home = await (await whoami(LAB_NETWORKS.home.sample)).json();
    expect(home).toMatchObject({ asn: 9198, country: "KZ" });
    // An address in no table (private, loopback) is no network, not an error.
    expect(await (await whoami("10.1.2.3")).json()).toMatchObject({ asn: null, asName: null, country: null });
  });

  it("the address the proxy saw counts, not what the client put in front of it", async () => {
    const res = await whoami(`${LAB_NETWORKS.abroad.sample}, ${LAB_NETWORKS.mobile.sample}`);
    expect(await res.json()).toMatchObject({ asn: 29355 });
    const real = await whoami(LAB_NETWORKS.mobile.sample, TOKEN, { "X-Real-IP": LAB_NETWORKS.home.sample });
    expect(await real.json()).toMatchObject({ asn: 9198 });
  });

  it("no, wrong or revoked token → 401; over the per-token rate → 429 with Retry-After", async () => {
    expect((await whoami(LAB_NETWORKS.mobile.sample, null)).status).toBe(401);
    expect((await whoami(LAB_NETWORKS.mobile.sample, "kwp_wrong")).status).toBe(401);
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await whoami(LAB_NETWORKS.mobile.sample)).status);
    expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
    const limited = await whoami(LAB_NETWORKS.mobile.sample);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    // Another probe's budget is its own.
    expect((await whoami(LAB_NETWORKS.home.sample, OTHER)).status).toBe(200);
    await h.store.revokeProbeToken("probe-75", NOW);
    expect((await whoami(LAB_NETWORKS.home.sample, OTHER)).status).toBe(401);
  });

  it("the assignment and the heartbeat answers carry the same attribution", async () => {
    const a = await (await h.request("/api/v1/agent/assignment", { headers: { Authorization: `Bearer ${TOKEN}`, "X-Forwarded-For": LAB_NETWORKS.home.sample } })).json();
    expect(a.attribution).toMatchObject({ asn: 9198, country: "KZ", seal: expect.any(String) });
    const beat = await h.request("/api/v1/agent/heartbeat", {
      method: "POST",
      headers: { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/json", "X-Forwarded-For": LAB_NETWORKS.mobile.sample },
      body: JSON.stringify({ version: "v", spoolDepth: 0, clockOffsetMs: null, lastRoundAt: null, lastError: null }),
    });
    expect(beat.status).toBe(200);
    expect((await beat.json()).attribution).toMatchObject({ asn: 29355, country: "KZ" });
  });
});

describe("uploads: the server judges each measurement's attribution", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await createHarness({}, testConfig({ server: { trustProxy: true, ipToAsnData: data } }));
    await h.store.saveProbeToken({ probeId: "probe-47", region: "KZ-47", tokenHash: sha256Hex(TOKEN), createdAt: NOW.toISOString(), revokedAt: null });
    await h.store.saveProbeToken({ probeId: "probe-75", region: "KZ-75", tokenHash: sha256Hex(OTHER), createdAt: NOW.toISOString(), revokedAt: null });
  });
  afterEach(async () => h.close());

  async function sealedFrom(address: string, token = TOKEN): Promise<Attribution> {
    const w = await (await h.request("/api/v1/agent/whoami", { headers: { Authorization: `Bearer ${token}`, "X-Forwarded-For": address } })).json();
    return { status: "confirmed", asn: w.asn, country: w.country, confirmedAt: w.confirmedAt, seal: w.seal };
  }
  const m47 = (attribution: Attribution | undefined, minutesAgo = 3): Measurement => ({
    ...fixtureMeasurement({ probeId: "probe-47", region: "KZ-47", network: "kcell-mobile", startedAt: ago(minutesAgo) }),
    network: { id: "kcell-mobile", asn: 29355, kind: "mobile" },
    ...(attribution && { attribution }),
  });
  const upload = async (items: Measurement[], token = TOKEN) => {
    const res = await h.request("/api/v1/measurements", {
      method: "POST",
      // Uploads go out through the fixed line: its address says nothing about where a measurement was taken.
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json", "X-Forwarded-For": LAB_NETWORKS.home.sample },
      body: JSON.stringify({ measurements: items }),
    });
    expect(res.status).toBe(202);
    return res.json() as Promise<{ accepted: number; rejected: unknown[] }>;
  };

  it("the registered network counts; another network (home Wi-Fi) is stored with its verdict and never counted", async () => {
    const onMobile = m47(await sealedFrom(LAB_NETWORKS.mobile.sample), 4);
    const onWifi = m47(await sealedFrom(LAB_NETWORKS.home.sample), 2);
    expect(await upload([onMobile, onWifi])).toEqual({ accepted: 2, rejected: [] });
    expect((await h.store.getMeasurement(onMobile.id))!.attribution!.verdict).toBe("registered-network");
    expect((await h.store.getMeasurement(onWifi.id))!.attribution).toMatchObject({ verdict: "other-network", asn: 9198 });
    const facts = await h.store.measurementFacts({ probeId: "probe-47" });
    expect(facts.map((f) => f.id)).toEqual([onMobile.id]);
    const seen = (await h.store.lastSeen()).find((s) => s.probeId === "probe-47");
    expect(seen!.lastAt).toBe(onMobile.startedAt);
    const stats = await h.store.targetStats({ since: new Date(NOW.getTime() - 3600_000), until: NOW, bucketSeconds: 3600 });
    expect(stats.filter((r) => r.probeId === "probe-47").reduce((n, r) => n + r.total, 0)).toBe(1);
  });

  it("a forged attribution (no seal, another probe's seal, an edited ASN, a verdict of its own) is 'unverified' and counts as one without", async () => {
    const mine = await sealedFrom(LAB_NETWORKS.home.sample);
    const theirs = await sealedFrom(LAB_NETWORKS.mobile.sample, OTHER);
    const forged = [
      m47({ ...mine, asn: 29355 }),
      m47({ ...theirs }),
      m47({ status: "confirmed", asn: 29355, country: "KZ", confirmedAt: NOW.toISOString(), seal: null }),
      m47({ status: "confirmed", asn: 29355, country: "KZ", confirmedAt: NOW.toISOString(), seal: "A".repeat(43), verdict: "registered-network" }),
    ];
    expect(await upload(forged)).toEqual({ accepted: 4, rejected: [] });
    for (const m of forged) expect((await h.store.getMeasurement(m.id))!.attribution!.verdict).toBe("unverified");
    expect((await h.store.measurementFacts({ probeId: "probe-47" })).length).toBe(4);
  });

  it("an uploaded 'other-network' verdict cannot hide a measurement; unattributed rounds count; old agents' items are untouched", async () => {
    const sealed = await sealedFrom(LAB_NETWORKS.mobile.sample);
    const items = [
      m47({ ...sealed, verdict: "other-network" }),
      m47({ status: "unattributed", asn: null, country: null, confirmedAt: null, seal: null }),
      m47(undefined),
    ];
    expect(await upload(items)).toEqual({ accepted: 3, rejected: [] });
    expect((await h.store.getMeasurement(items[0]!.id))!.attribution!.verdict).toBe("registered-network");
    expect((await h.store.getMeasurement(items[1]!.id))!.attribution!.verdict).toBe("unattributed");
    expect((await h.store.getMeasurement(items[2]!.id))!.attribution).toBeUndefined();
    expect((await h.store.measurementFacts({ probeId: "probe-47" })).length).toBe(3);
  });

  it("malformed attributions are refused per item with the field named; the rest of the batch is kept", async () => {
    const good = m47(await sealedFrom(LAB_NETWORKS.mobile.sample));
    const bad = [
      { ...m47(undefined), attribution: { status: "confirmed", asn: -1, country: "KZ", confirmedAt: NOW.toISOString(), seal: "x" } },
      { ...m47(undefined), attribution: { status: "maybe", asn: 1, country: "KZ", confirmedAt: null, seal: null } },
      { ...m47(undefined), attribution: { status: "confirmed", asn: 1, country: "kz", confirmedAt: null, seal: "x".repeat(101) } },
    ];
    const r = await upload([good, ...bad] as Measurement[]);
    expect(r.accepted).toBe(1);
    expect(r.rejected).toEqual([1, 2, 3].map((index) => ({ index, error: expect.stringMatching(/^invalid measurement: attribution\./) })));
  });
});
