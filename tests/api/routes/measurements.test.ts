import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { sha256Hex } from "../../../src/api/auth.js";
import { createRedisConnection, waitUntilReady } from "../../../src/queue/connection.js";
import { Queue } from "bullmq";
import { parseMeasurement } from "../../../src/measurement-check.js";
import { QUEUES } from "../../../src/queue/names.js";
import { ResultsProducer } from "../../../src/queue/results-producer.js";
import type { ResultsJobData } from "../../../src/queue/results-job.js";
import type { Measurement } from "../../../src/measurement.js";
import { fixtureMeasurement } from "../../fixtures/measurement.js";
import { startTestRedis } from "../../helpers/redis.js";
import { ago, createHarness, NOW, testConfig, type Harness } from "../harness.js";

const TOKEN = "kwp_test-token-for-probe-47";

async function withToken(h: Harness, token = TOKEN, probeId = "probe-47", region = "KZ-47"): Promise<void> {
  await h.store.saveProbeToken({ probeId, region, tokenHash: sha256Hex(token), createdAt: NOW.toISOString(), revokedAt: null });
}

function upload(h: Harness, body: unknown, token: string | null = TOKEN): Promise<Response> {
  return h.request("/api/v1/measurements", {
    method: "POST",
    headers: { "Content-Type": "application/json", ...(token !== null && { Authorization: `Bearer ${token}` }) },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

const mine = (o: Parameters<typeof fixtureMeasurement>[0] = {}) =>
  fixtureMeasurement({ probeId: "probe-47", region: "KZ-47", network: "kcell-mobile", startedAt: ago(1), ...o });

describe("POST /api/v1/measurements", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await createHarness();
    await withToken(h);
  });
  afterEach(async () => h.close());

  it("refuses missing, unknown and revoked tokens with 401", async () => {
    const none = await upload(h, { measurements: [mine()] }, null);
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toContain("Bearer");
    expect(((await none.json()) as { error: { code: string } }).error.code).toBe("unauthorized");
    expect((await upload(h, { measurements: [mine()] }, "kwp_wrong")).status).toBe(401);
    await h.store.revokeProbeToken("probe-47", NOW);
    expect((await upload(h, { measurements: [mine()] })).status).toBe(401);
    expect(h.enqueued).toHaveLength(0);
  });

  it("accepts valid items and lists the others with index and reason", async () => {
    const good1 = mine();
    const good2 = mine({ list: "non_whitelisted", accessible: false, blocking: "dns" });
    const otherProbe = mine({ probeId: "probe-75" });
    const otherRegion = mine({ region: "KZ-75" });
    const res = await upload(h, { measurements: [good1, otherProbe, { version: 1, id: "not-a-uuid" }, good2, otherRegion] });
    expect(res.status).toBe(202);
    const body = (await res.json()) as { accepted: number; rejected: { index: number; error: string }[] };
    expect(body.accepted).toBe(2);
    expect(body.rejected.map((r) => r.index)).toEqual([1, 2, 4]);
    expect(body.rejected[0]?.error).toMatch(/probe probe-47.*probe-75/);
    expect(body.rejected[1]?.error).toMatch(/^invalid measurement/);
    expect(body.rejected[2]?.error).toMatch(/region KZ-47.*KZ-75/);
    // Stored as the registry says the probe is (network kcell-mobile: AS29355, mobile) with the receive time.
    const asRegistered = (m: typeof good1) => ({ ...m, network: { id: "kcell-mobile", asn: 29355, kind: "mobile" }, receivedAt: NOW.toISOString() });
    expect(await h.store.getMeasurement(good1.id)).toEqual(asRegistered(good1));
    expect(await h.store.getMeasurement(good2.id)).toEqual(asRegistered(good2));
    expect(await h.store.getMeasurement(otherProbe.id)).toBeNull();

    // Re-uploading the same batch (an agent retry) loses nothing and duplicates nothing.
    const again = await upload(h, [good1, good2]);
    expect(((await again.json()) as { accepted: number }).accepted).toBe(2);
    const probes = await h.store.listProbes();
    expect(probes.find((p) => p.id === "probe-47")?.measurements).toBe(2);
    expect(await h.metrics.render()).toMatch(/keepwatch_upload_measurements_total\{outcome="rejected"\} 3/);
  });

  it("rejects bodies that are not JSON or not a batch with 400", async () => {
    const notJson = await upload(h, "{nope");
    expect(notJson.status).toBe(400);
    expect(((await notJson.json()) as { error: { code: string } }).error.code).toBe("bad_request");
    expect((await upload(h, { items: [] })).status).toBe(400);
  });

  it("refuses a compressed body with 415 and says why, without inflating it (no gzip bomb)", async () => {
    const { gzipSync } = await import("node:zlib");
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024, 0x20)); // 64 MiB of spaces in ~64 KiB
    const res = await h.request("/api/v1/measurements", {
      method: "POST",
      headers: { "Content-Type": "application/json", "Content-Encoding": "gzip", Authorization: `Bearer ${TOKEN}` },
      body: bomb,
    });
    expect(res.status).toBe(415);
    const err = ((await res.json()) as { error: { code: string; message: string } }).error;
    expect(err.code).toBe("unsupported_media_type"); // not "bad_request": the JSON may be fine, the encoding is not
    expect(err.message).toMatch(/Content-Encoding is not accepted/);
    expect(await h.store.measurementFacts({})).toEqual([]);
  });

  it("answers 413 past the 5 MiB body limit, before accepting anything", async () => {
    const big = mine();
    const padding = "x".repeat(6 * 1024 * 1024);
    const res = await upload(h, { measurements: [big], padding });
    expect(res.status).toBe(413);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("payload_too_large");
    expect(body.error.message).toMatch(/5\.0 MiB/);
    expect(h.enqueued).toHaveLength(0);
  });
});

describe("POST /api/v1/measurements into a real BullMQ results queue", () => {
  it("queues accepted items in Redis and answers 503 when Redis is down", async () => {
    const redis = await startTestRedis();
    const conn = createRedisConnection(redis.url, "producer");
    await waitUntilReady(conn);
    const producer = new ResultsProducer(conn);
    const h = await createHarness({ enqueueResults: async (ms) => void (await producer.add(ms)) });
    try {
      await withToken(h);
      const res = await upload(h, { measurements: [mine(), mine()] });
      expect(res.status).toBe(202);
      const counts = await producer.counts();
      expect((counts.waiting ?? 0) + (counts.prioritized ?? 0)).toBeGreaterThanOrEqual(1);

      await redis.stop();
      const down = await upload(h, { measurements: [mine()] });
      expect(down.status).toBe(503);
      expect(down.headers.get("retry-after")).toBe("30");
      expect(((await down.json()) as { error: { code: string } }).error.code).toBe("unavailable");
    } finally {
      await h.close();
      await producer.close().catch(() => undefined);
      conn.disconnect();
      await redis.cleanup();
    }
  });
  it("queues uploads in the Measurement schema's key order, which the collector takes without copying", async () => {
    const redis = await startTestRedis();
    const conn = createRedisConnection(redis.url, "producer");
    await waitUntilReady(conn);
    const producer = new ResultsProducer(conn);
    const h = await createHarness({ enqueueResults: async (ms) => void (await producer.add(ms)) });
    const queue = new Queue<ResultsJobData>(QUEUES.results, { connection: conn });
    try {
      await withToken(h);
      const local = { ...mine(), local: { gateway: "ok", resolver: "unreachable" } };
      const res = await upload(h, { measurements: [mine(), local, mine({ bytesPerSecond: 1_000_000 })] });
      expect(res.status).toBe(202);
      const [job] = await queue.getJobs(["waiting", "prioritized"]);
      // As the collector gets them: JSON parsed from Redis.
      const items = job!.data.measurements;
      expect(items).toHaveLength(3);
      for (const item of items) {
        expect(item.receivedAt).toBe(NOW.toISOString());
        expect(parseMeasurement(item).data).toBe(item);
      }
    } finally {
      await queue.close();
      await h.close();
      await producer.close().catch(() => undefined);
      conn.disconnect();
      await redis.cleanup();
    }
  });
});

describe("POST /api/v1/measurements as a forger would", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await createHarness();
    await withToken(h);
  });
  afterEach(async () => h.close());

  async function reasons(items: unknown[]): Promise<{ accepted: number; rejected: { index: number; error: string }[] }> {
    const res = await upload(h, { measurements: items });
    expect(res.status).toBe(202);
    return (await res.json()) as { accepted: number; rejected: { index: number; error: string }[] };
  }

  it("rejects each item claiming another role, network, region or probe on its own, and keeps the honest ones", async () => {
    const honest = mine();
    const forgedControl = mine({ role: "control" });
    const forgedNetwork = mine({ network: "kt-fixed" });
    const forgedRegion = mine({ region: "KZ-75" });
    const forgedProbe = mine({ probeId: "probe-75" });
    const body = await reasons([forgedControl, honest, forgedNetwork, forgedRegion, forgedProbe]);
    expect(body.accepted).toBe(1);
    expect(body.rejected.map((r) => r.index)).toEqual([0, 2, 3, 4]);
    expect(body.rejected[0]?.error).toMatch(/registered with role region, measurement claims role "control"/);
    expect(body.rejected[1]?.error).toMatch(/registered on network kcell-mobile, measurement claims "kt-fixed"/);
    expect(body.rejected[2]?.error).toMatch(/registered in region KZ-47, measurement claims "KZ-75"/);
    expect(body.rejected[3]?.error).toMatch(/token is for probe probe-47, measurement claims probe "probe-75"/);
    expect(await h.store.measurementFacts({ role: "control" })).toEqual([]);
    expect((await h.store.measurementFacts({})).map((f) => f.id)).toEqual([honest.id]);
  });

  it("a control probe's token cannot write region rows, and only registered control rows reach the control view", async () => {
    const config = testConfig({
      controls: [{ id: "CONTROL", name: "VPS abroad" }],
      networks: [{ id: "kcell-mobile", name: "Kcell", asn: 29355, kind: "mobile" }, { id: "vps", name: "VPS", asn: 64500, kind: "fixed" }],
      probes: [{ id: "probe-47", region: "KZ-47", network: "kcell-mobile" }, { id: "control-1", region: "CONTROL", network: "vps", role: "control" }],
    });
    const c = await createHarness({}, config);
    try {
      await c.store.saveProbeToken({ probeId: "control-1", region: "CONTROL", tokenHash: sha256Hex("kwp_control"), createdAt: NOW.toISOString(), revokedAt: null });
      const ctl = (o: Parameters<typeof fixtureMeasurement>[0] = {}) =>
        fixtureMeasurement({ probeId: "control-1", region: "CONTROL", network: "vps", role: "control", startedAt: ago(1), ...o });
      const res = await upload(c, { measurements: [ctl(), ctl({ role: "region" })] }, "kwp_control");
      const body = (await res.json()) as { accepted: number; rejected: { error: string }[] };
      expect(body.accepted).toBe(1);
      expect(body.rejected[0]?.error).toMatch(/role control, measurement claims role "region"/);
      const facts = await c.store.measurementFacts({ role: "control" });
      expect(facts.map((f) => [f.probeId, f.asn, f.networkKind])).toEqual([["control-1", 64500, "fixed"]]);
    } finally {
      await c.close();
    }
  });

  it("rejects dates after the receive time plus the skew and before 2020, item by item", async () => {
    const body = await reasons([
      mine({ startedAt: "9999-12-31T23:59:59.000Z" }),
      mine({ startedAt: "1970-01-01T00:00:00.000Z" }),
      mine({ startedAt: new Date(NOW.getTime() + 11 * 60_000).toISOString() }),
      mine({ startedAt: new Date(NOW.getTime() + 9 * 60_000).toISOString() }),
      mine({ startedAt: "2019-12-31T23:59:59.999Z" }),
      mine({ startedAt: "2020-01-01T00:00:00.000Z" }),
    ]);
    expect(body.accepted).toBe(2);
    expect(body.rejected.map((r) => r.index)).toEqual([0, 1, 2, 4]);
    expect(body.rejected[0]?.error).toMatch(/after the server's receive time 2026-03-10T12:00:00.000Z plus 600 s/);
    expect(body.rejected[1]?.error).toMatch(/before 2020-01-01/);
    const seen = await h.store.listProbes();
    expect(seen.find((p) => p.id === "probe-47")?.lastSeenAt).toBe(new Date(NOW.getTime() + 9 * 60_000).toISOString());
  });

  it("honours server.maxClockSkewSeconds", async () => {
    const strict = await createHarness({}, testConfig({ server: { maxClockSkewSeconds: 0 } }));
    try {
      await withToken(strict);
      const res = await upload(strict, { measurements: [mine({ startedAt: new Date(NOW.getTime() + 1000).toISOString() }), mine()] });
      const body = (await res.json()) as { accepted: number; rejected: { error: string }[] };
      expect(body.accepted).toBe(1);
      expect(body.rejected[0]?.error).toMatch(/plus 0 s/);
    } finally {
      await strict.close();
    }
  });

  it("answers 403 for a token whose probe neither the configuration nor enrollment has (or has in another region)", async () => {
    await withToken(h, "kwp_ghost", "ghost-probe", "KZ-47");
    const ghost = await upload(h, { measurements: [mine({ probeId: "ghost-probe" })] }, "kwp_ghost");
    expect(ghost.status).toBe(403);
    expect(((await ghost.json()) as { error: { message: string } }).error.message).toMatch(/ghost-probe is neither configured nor enrolled/);
    await withToken(h, "kwp_moved", "probe-75", "KZ-47");
    const moved = await upload(h, { measurements: [mine({ probeId: "probe-75" })] }, "kwp_moved");
    expect(moved.status).toBe(403);
    expect(h.enqueued).toHaveLength(0);
  });

  it("rejects ids with SQL, CR/LF, look-alike letters or 65+ characters as invalid measurements", async () => {
    const body = await reasons([
      mine({ probeId: "' OR 1=1 --" }),
      mine({ probeId: "probe-47\r\nX-Injected: 1" }),
      mine({ network: "kcell-mobile\n" }),
      mine({ probeId: "prоbe-47" }),
      mine({ probeId: "p".repeat(65) }),
      { ...mine(), region: "KZ-47\r\n" },
    ]);
    expect(body.accepted).toBe(0);
    expect(body.rejected).toHaveLength(6);
    for (const r of body.rejected) expect(r.error).toMatch(/^invalid measurement: (probe\.id|network\.id|region): (probe|network|region) id/);
  });

  it("stores a configured target on the configuration's list and category, whatever the upload labels it", async () => {
    // WhatsApp is a control (non-whitelisted) target in whitelist/kz.yaml. Labelled "whitelisted", its failures
    // would read as whitelisted services cut (full shutdown) instead of a whitelist regime; labelled so by an
    // agent with a stale assignment, or by a forger.
    const relabelled = mine({ url: "https://WEB.whatsapp.com", list: "whitelisted", category: "gov", accessible: false });
    const unconfigured = mine({ url: "https://not-a-target.test/", list: "non_whitelisted", category: "news" });
    expect((await reasons([relabelled, unconfigured])).accepted).toBe(2);
    const stored = await h.store.getMeasurement(relabelled.id);
    expect(stored?.target).toEqual({ url: "https://WEB.whatsapp.com", list: "non_whitelisted", category: "messenger" });
    expect((await h.store.getMeasurement(unconfigured.id))?.target).toEqual(unconfigured.target);
  });

  it("ignores a receivedAt the upload claims and writes the server's", async () => {
    const m = { ...mine(), receivedAt: "2020-01-01T00:00:00.000Z" };
    expect((await reasons([m])).accepted).toBe(1);
    expect((await h.store.getMeasurement(m.id))?.receivedAt).toBe(NOW.toISOString());
  });

  it("scrubs the connection's IPv6 address in every spelling, even from DNS answers, from what it stores", async () => {
    const m = mine({ url: "http://blocked.test/" });
    m.check.dns[0]!.addresses = ["2001:db8:77::77", "198.18.0.10"];
    m.check.http = {
      url: "http://blocked.test/", finalUrl: "http://198.18.0.10/?ip=2001%3Adb8%3A77%3A%3A77", status: 200, failure: null,
      blockPage: null, time: 0.1,
      hops: [{ url: "http://198.18.0.10/?ip=[2001:DB8:77:0:0:0:0:77]:443", address: "198.18.0.10", status: 200,
        headers: { via: "1.1 2001-db8-77--77.ipv6-literal.net", "x-forwarded-for": "2001:0db8:0077:0000:0000:0000:0000:0077%eth0" },
        bodyLength: 10, bodySha256: null, bodyTruncated: false,
        title: "Blocked for 7.7.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.7.7.0.0.8.b.d.0.1.0.0.2.ip6.arpa",
        failure: null, phases: { dns: null, connect: 0.01, tls: null, firstByte: 0.02, download: 0.01, total: 0.05 } }],
    };
    const res = await h.app.request("/api/v1/measurements", {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ measurements: [m] }),
    }, { incoming: { socket: { remoteAddress: "2001:db8:77::77" } } });
    expect(res.status).toBe(202);
    const stored = JSON.stringify(await h.store.getMeasurement(m.id));
    for (const form of ["2001:db8:77::77", "2001-db8-77--77", "2001:db8:77:0", "0077:0000", "7.7.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.7.7.0.0.8.b.d.0.1.0.0.2", "%3A77"]) {
      expect(stored.toLowerCase(), form).not.toContain(form.toLowerCase());
    }
    // The target's own address stays: it is the evidence.
    expect(stored).toContain("198.18.0.10");
  });
});

describe("POST /api/v1/measurements behind a proxy (server.trustProxy)", () => {
  const echoing = () => {
    const m = mine({ url: "http://blocked.test/" });
    m.verdict.failure = "blocked for 198.18.66.66 via 198.18.55.55";
    m.check.dns[0]!.cnameChain = ["host-198-18-66-66.isp.example"];
    return m;
  };
  const post = (h: Harness, m: Measurement) => h.app.request("/api/v1/measurements", {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${TOKEN}`, "X-Forwarded-For": "198.18.66.66, 198.18.44.44" },
    body: JSON.stringify({ measurements: [m] }),
  }, { incoming: { socket: { remoteAddress: "::ffff:198.18.55.55" } } });

  it("off (default): the socket's peer is the uploader, the header is not believed", async () => {
    const h = await createHarness();
    try {
      await withToken(h);
      const m = echoing();
      m.check.dns[0]!.addresses = ["198.18.66.66"]; // kept as evidence: nothing says it is the uploader's
      expect((await post(h, m)).status).toBe(202);
      const stored = await h.store.getMeasurement(m.id);
      expect(stored?.verdict.failure).toBe("blocked for 198.18.66.66 via [scrubbed]");
      expect(stored?.check.dns[0]?.cnameChain).toEqual(["host-198-18-66-66.isp.example"]);
    } finally {
      await h.close();
    }
  });

  it("on: every address the proxy reports is scrubbed in every form, the proxy's own too", async () => {
    const h = await createHarness({}, testConfig({ server: { trustProxy: true } }));
    try {
      await withToken(h);
      const m = echoing();
      expect((await post(h, m)).status).toBe(202);
      const stored = JSON.stringify(await h.store.getMeasurement(m.id));
      for (const form of ["198.18.66.66", "198-18-66-66", "198.18.55.55"]) expect(stored).not.toContain(form);
    } finally {
      await h.close();
    }
  });
});
