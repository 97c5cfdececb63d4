import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { pino, type Logger } from "pino";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { Collector } from "../../src/collector/collector.js";
import type { Measurement } from "../../src/measurement.js";
import { createRedisConnection, waitUntilReady } from "../../src/queue/connection.js";
import { QUEUES } from "../../src/queue/names.js";
import { ResultsProducer } from "../../src/queue/results-producer.js";
import { SqliteStore } from "../../src/store/sqlite.js";
import type { Store } from "../../src/store/store.js";
import { startTestRedis, type TestRedis } from "../helpers/redis.js";
import { fixtureMeasurement } from "../fixtures/measurement.js";
import { openCollectorFixture, type CollectorFixture } from "./collector-fixture.js";
import { waitFor } from "./wait-for.js";

let redis: TestRedis;
let fixture: CollectorFixture;
let store: SqliteStore;
let conn: Redis;
let producer: ResultsProducer;
let logLines: string[];
let logger: Logger;
const collectors: Collector[] = [];

beforeAll(async () => { redis = await startTestRedis(); });
afterAll(async () => { await redis.cleanup(); });

beforeEach(async () => {
  fixture = await openCollectorFixture(redis.url, "kw-collector-");
  ({ store, conn, producer } = fixture);
  logLines = [];
  logger = pino({ level: "info" }, { write: (line: string) => { logLines.push(line); } });
});

afterEach(async () => {
  await Promise.all(collectors.splice(0).map((c) => c.close({ force: true })));
  await fixture.close();
});

function startCollector(s: Store = store, extra: Partial<ConstructorParameters<typeof Collector>[0]> = {}): Collector {
  const c = new Collector({ redis: redis.url, store: s, logger, ...extra });
  collectors.push(c);
  return c;
}

const minute = (i: number) => new Date(Date.parse("2025-01-05T10:00:00Z") + i * 1000).toISOString();
const batch = (n: number, offset = 0): Measurement[] =>
  Array.from({ length: n }, (_, i) => fixtureMeasurement({ startedAt: minute(offset + i) }));

async function rollupTotal(): Promise<number> {
  const rows = await store.targetStats({ since: new Date("2025-01-05T00:00:00Z"), until: new Date("2025-01-06T00:00:00Z"), bucketSeconds: 3600 });
  return rows.reduce((n, r) => n + r.total, 0);
}

/** The real store, with its insert wrapped by `wrap` (fault injection: hang before or after the commit). */
function withInsert(real: Store, wrap: (b: Measurement[]) => Promise<{ inserted: number; duplicates: number }>): Store {
  return new Proxy(real, {
    get(target, prop) {
      if (prop === "insertMeasurements") return wrap;
      const v = Reflect.get(target, prop) as unknown;
      return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

describe("Collector", () => {
  it("stores valid measurements, drops and logs invalid ones by id without failing the batch", async () => {
    const good = batch(20);
    const bad1 = { ...fixtureMeasurement(), region: "not a region" };
    const bad2 = { ...fixtureMeasurement(), version: 99 };
    const c = startCollector();
    await producer.add([...good.slice(0, 10), bad1 as Measurement, ...good.slice(10), bad2 as Measurement]);
    await waitFor(() => c.counters().batches === 1, "the batch");
    expect(c.counters()).toMatchObject({ ingested: 20, duplicates: 0, invalid: 2, failedBatches: 0 });
    expect((await store.measurementFacts({})).length).toBe(20);
    expect(await store.getMeasurement(good[7]!.id)).toEqual(good[7]);
    expect(await store.getMeasurement(bad1.id)).toBeNull();
    const warned = logLines.map((l) => JSON.parse(l) as { msg: string; invalid?: number; measurementIds?: string[] })
      .filter((l) => l.msg.includes("invalid"));
    expect(warned.length).toBe(1); // one line per job
    expect(warned[0]!.invalid).toBe(2);
    expect(warned[0]!.measurementIds!.sort()).toEqual([bad1.id, bad2.id].sort());
    expect((await store.listProbes())[0]).toMatchObject({ id: "probe-1", measurements: 20, lastSeenAt: new Date(minute(19)).toISOString() });
  });

  it("drops measurements dated before 2020 or after their receive time plus the skew, whoever queued them", async () => {
    const ok = fixtureMeasurement({ startedAt: minute(0) });
    const withReceipt = { ...fixtureMeasurement({ startedAt: minute(1) }), receivedAt: minute(2) };
    const future = fixtureMeasurement({ startedAt: "9999-12-31T23:59:59.000Z" });
    const epoch = fixtureMeasurement({ startedAt: "1970-01-01T00:00:00.000Z" });
    // Dated 20 minutes after the server received it: a worker with a broken clock.
    const ahead = { ...fixtureMeasurement({ startedAt: "2025-01-05T10:30:00.000Z" }), receivedAt: "2025-01-05T10:10:00.000Z" };
    const c = startCollector(store, { maxClockSkewMs: 10 * 60_000 });
    await producer.add([ok, withReceipt, future, epoch, ahead]);
    await waitFor(() => c.counters().batches === 1, "the batch");
    expect(c.counters()).toMatchObject({ ingested: 2, invalid: 3 });
    expect((await store.measurementFacts({})).map((f) => [f.id, f.receivedAt])).toEqual([[ok.id, null], [withReceipt.id, minute(2)]]);
    const warned = logLines.map((l) => JSON.parse(l) as { msg: string; issues?: string[]; measurementIds?: string[] })
      .find((l) => l.msg.includes("invalid"));
    expect(warned?.measurementIds?.sort()).toEqual([future.id, epoch.id, ahead.id].sort());
    expect(warned?.issues?.[0]).toMatch(/receive time/);
  });

  it("a redelivered batch is stored once and counted as duplicates", async () => {
    const ms = batch(50);
    const c = startCollector();
    await producer.add(ms);
    await waitFor(() => c.counters().batches === 1, "first delivery");
    // The same measurements again in a different job (a re-upload after a lost reply).
    await producer.add([...ms.slice(25), ...ms.slice(0, 25), ...batch(5, 100)]);
    await waitFor(() => c.counters().batches === 2, "redelivery");
    expect(c.counters()).toMatchObject({ ingested: 55, duplicates: 50 });
    expect((await store.measurementFacts({})).length).toBe(55);
    expect(await rollupTotal()).toBe(55);
  });

  it("loses no accepted job across a Redis restart (AOF)", async () => {
    await producer.add(batch(1500));
    await producer.close();
    conn.disconnect();
    await redis.stop();
    await redis.restart();
    conn = createRedisConnection(redis.url, "producer");
    await waitUntilReady(conn);
    producer = new ResultsProducer(conn);
    const c = startCollector();
    await waitFor(() => c.counters().ingested === 1500, "all accepted measurements");
    expect((await store.measurementFacts({})).length).toBe(1500);
  });

  it("a running collector rides out a Redis restart and drains what comes after", async () => {
    const c = startCollector();
    await c.waitUntilReady();
    await producer.add(batch(10));
    await waitFor(() => c.counters().ingested === 10, "first batch");
    await redis.stop();
    await redis.restart();
    await waitFor(() => conn.status === "ready", "producer reconnect");
    await producer.add(batch(10, 10));
    await waitFor(() => c.counters().ingested === 20, "batch after restart");
  });

  for (const when of ["after", "before"] as const) {
    it(`a collector killed mid-job (${when} its commit) leaves a stalled job another stores exactly once`, async () => {
      let entered!: () => void;
      const inJob = new Promise<void>((r) => { entered = r; });
      const dying = withInsert(store, async (b) => {
        if (when === "after") await store.insertMeasurements(b);
        entered();
        return new Promise(() => { /* the process froze: never returns */ });
      });
      const a = startCollector(dying, { lockDurationMs: 1000, stalledIntervalMs: 300 });
      const ms = batch(300);
      const [jobId] = await producer.add(ms);
      await inJob;
      await a.close({ force: true }); // killed: the job is neither completed nor failed
      expect((await store.measurementFacts({})).length).toBe(when === "after" ? 300 : 0);

      const b = startCollector(store, { lockDurationMs: 1000, stalledIntervalMs: 300 });
      await waitFor(() => b.counters().batches === 1, "the stalled job to be taken over");
      expect(b.counters()).toMatchObject(when === "after" ? { ingested: 0, duplicates: 300 } : { ingested: 300, duplicates: 0 });
      expect((await store.measurementFacts({})).length).toBe(300);
      expect(await rollupTotal()).toBe(300);
      expect((await store.listProbes())[0]?.measurements).toBe(300);
      const q = new Queue(QUEUES.results, { connection: conn });
      await waitFor(async () => (await q.getJobState(jobId!)) === "completed", "job completed");
      await q.close();
    });
  }

  it("two collectors on one SQLite file (two connections) store every measurement exactly once", async () => {
    const second = new SqliteStore(fixture.dbPath);
    try {
      const a = startCollector(store);
      const b = startCollector(second);
      const ms = batch(2000);
      await producer.add(ms.slice(0, 1000));
      await producer.add([...ms.slice(1000), ...ms.slice(0, 100)]); // overlapping re-upload
      await waitFor(() => a.counters().batches + b.counters().batches === 3, "all batches");
      expect(a.counters().ingested + b.counters().ingested).toBe(2000);
      expect(a.counters().duplicates + b.counters().duplicates).toBe(100);
      expect((await store.measurementFacts({})).length).toBe(2000);
      expect(await rollupTotal()).toBe(2000);
    } finally {
      await Promise.all(collectors.splice(0).map((c) => c.close()));
      await second.close();
    }
  });

  it("close() waits for the job in flight to be stored", async () => {
    let entered!: () => void;
    let release!: () => void;
    const inJob = new Promise<void>((r) => { entered = r; });
    const gate = new Promise<void>((r) => { release = r; });
    const slow = withInsert(store, async (b) => {
      entered();
      await gate;
      return store.insertMeasurements(b);
    });
    const c = new Collector({ redis: redis.url, store: slow, logger });
    await producer.add(batch(40));
    await inJob;
    let closed = false;
    const closing = c.close().then(() => { closed = true; });
    // Let the close make all the progress it can without the job finishing.
    await new Promise((r) => setTimeout(r, 200));
    expect(closed).toBe(false);
    release();
    await closing;
    expect(c.counters()).toMatchObject({ batches: 1, ingested: 40 });
    expect((await store.measurementFacts({})).length).toBe(40);
  });

  it("stores zod's output whatever a producer queued: in the schema's key order, unknown keys stripped", async () => {
    // Straight onto the queue (not through ResultsProducer): nested keys reversed, an unknown key, a __proto__
    // key as JSON carries it, and one item already in the schema's order (taken without a copy).
    const canonical = fixtureMeasurement({ startedAt: minute(0) });
    const reversed = fixtureMeasurement({ startedAt: minute(1) });
    const reversedItem = { ...reversed, check: Object.fromEntries(Object.entries(reversed.check).reverse()) };
    const extra = fixtureMeasurement({ startedAt: minute(2) });
    const extraItem = { ...extra, network: { ...extra.network, secret: "x" }, forged: true };
    const proto = fixtureMeasurement({ startedAt: minute(3) });
    const protoItem = JSON.parse(`{"__proto__":{"admin":true},${JSON.stringify(proto).slice(1)}`) as unknown;
    const c = startCollector();
    const q = new Queue(QUEUES.results, { connection: conn });
    await q.add("batch", { measurements: [canonical, reversedItem, extraItem, protoItem] }, { jobId: "mixed" });
    await waitFor(() => c.counters().batches === 1, "the batch");
    expect(c.counters()).toMatchObject({ ingested: 4, invalid: 0 });
    for (const m of [canonical, reversed, extra, proto]) {
      // The stored JSON text, as read back, is zod's output of what was queued: same keys, same order.
      expect(JSON.stringify(await store.getMeasurement(m.id))).toBe(JSON.stringify(m));
    }
    await q.close();
  });

  it("fails a job without a measurements array without retrying it", async () => {
    const c = startCollector();
    const q = new Queue(QUEUES.results, { connection: conn });
    await q.add("batch", { nope: true }, { jobId: "garbage", attempts: 5 });
    await waitFor(async () => (await q.getJobState("garbage")) === "failed", "garbage job failed");
    expect((await q.getJob("garbage"))?.attemptsMade).toBe(1);
    expect(c.counters().failedBatches).toBe(1);
    await q.close();
  });
});
