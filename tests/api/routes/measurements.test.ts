import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { sha256Hex } from "../../../src/api/auth.js";
import { createRedisConnection, waitUntilReady } from "../../../src/queue/connection.js";
import { ResultsProducer } from "../../../src/queue/results-producer.js";
import { fixtureMeasurement } from "../../fixtures/measurement.js";
import { startTestRedis } from "../../helpers/redis.js";
import { ago, createHarness, NOW, type Harness } from "../harness.js";

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
    expect(await h.store.getMeasurement(good1.id)).toEqual(good1);
    expect(await h.store.getMeasurement(good2.id)).toEqual(good2);
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
});
