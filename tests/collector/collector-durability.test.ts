// Accepted means kept: a store that is locked or failing for longer than any attempt budget, jobs already
// in "failed" from older versions, and re-uploads colliding with a failed job id lose nothing.
import { Queue, Worker } from "bullmq";
import type { Redis } from "ioredis";
import { pino, type Logger } from "pino";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { Collector, type CollectorOptions } from "../../src/collector/collector.js";
import type { Measurement } from "../../src/measurement.js";
import { Metrics } from "../../src/metrics/metrics.js";
import { createRedisConnection, waitUntilReady } from "../../src/queue/connection.js";
import { QUEUES } from "../../src/queue/names.js";
import { ResultsBacklog } from "../../src/queue/results-backlog.js";
import { resultsJobId } from "../../src/queue/results-job.js";
import { ResultsProducer } from "../../src/queue/results-producer.js";
import { SqliteStore } from "../../src/store/sqlite.js";
import type { Store } from "../../src/store/store.js";
import { fixtureMeasurement } from "../fixtures/measurement.js";
import { startTestRedis, type TestRedis } from "../helpers/redis.js";
import { holdWriteLock } from "../helpers/sqlite-lock.js";
import { openCollectorFixture, type CollectorFixture } from "./collector-fixture.js";
import { waitFor } from "./wait-for.js";

let redis: TestRedis;
let fixture: CollectorFixture;
let dbPath: string;
let store: SqliteStore;
let conn: Redis;
let producer: ResultsProducer;
let queue: Queue;
let logger: Logger;
const collectors: Collector[] = [];
/** Compressed backoff: eight attempts take well under a second. */
const FAST = { firstMs: 20, maxMs: 80 };

beforeAll(async () => { redis = await startTestRedis(); });
afterAll(async () => { await redis.cleanup(); });

beforeEach(async () => {
  // A short async wait so a locked store hands the job back to the queue quickly.
  fixture = await openCollectorFixture(redis.url, "kw-durable-", { busyWaitMs: 10 });
  ({ dbPath, store, conn, producer, queue } = fixture);
  logger = pino({ level: "silent" });
});

afterEach(async () => {
  await Promise.all(collectors.splice(0).map((c) => c.close({ force: true })));
  await fixture.close();
});

function startCollector(extra: Partial<CollectorOptions> = {}, s: Store = store): Collector {
  const c = new Collector({ redis: redis.url, store: s, logger, storeBackoff: FAST, ...extra });
  collectors.push(c);
  return c;
}

const second = (i: number) => new Date(Date.parse("2025-01-05T10:00:00Z") + i * 1000).toISOString();
const batch = (n: number, offset = 0): Measurement[] =>
  Array.from({ length: n }, (_, i) => fixtureMeasurement({ startedAt: second(offset + i) }));

async function storedCount(): Promise<number> {
  return (await store.measurementFacts({})).length;
}

async function rollupTotal(): Promise<number> {
  const rows = await store.targetStats({ since: new Date("2025-01-05T00:00:00Z"), until: new Date("2025-01-06T00:00:00Z"), bucketSeconds: 60 });
  return rows.reduce((n, r) => n + r.total, 0);
}

/** Puts a batch in "failed" the way an older version left it: a job that ran out of attempts. */
async function leaveFailed(ms: Measurement[]): Promise<string> {
  const jobId = resultsJobId(ms);
  await queue.add("batch", { measurements: ms }, { jobId, attempts: 1 });
  const legacy = new Worker(QUEUES.results, async () => { throw new Error("SqliteError: database is locked"); },
    { connection: createRedisConnection(redis.url, "worker") });
  await waitFor(async () => (await queue.getJobState(jobId)) === "failed", "job to fail");
  await legacy.close();
  await legacy.disconnect();
  return jobId;
}

/** The real store with insertMeasurements replaced (fault injection). */
function withInsert(real: Store, insert: Store["insertMeasurements"]): Store {
  return new Proxy(real, {
    get(target, prop) {
      if (prop === "insertMeasurements") return insert;
      const v = Reflect.get(target, prop) as unknown;
      return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

describe("Collector durability", () => {
  it("keeps retrying while another process holds the write lock past eight attempts, then stores everything once", async () => {
    const lock = await holdWriteLock(dbPath);
    const c = startCollector();
    const ms = batch(500);
    for (let i = 0; i < 5; i++) await producer.add(ms.slice(i * 100, (i + 1) * 100));
    // Every job is refused by the lock more often than the old eight-attempt budget allowed.
    await waitFor(() => c.counters().postponedBatches >= 5 * 9, "five jobs postponed nine times each", 60_000);
    expect(await storedCount()).toBe(0);
    const backlog = await new ResultsBacklog(queue).read();
    expect(backlog.jobs).toBe(5);
    expect(backlog.oldestAcceptedAt).not.toBeNull();
    expect(await queue.getFailedCount()).toBe(0);
    const metrics = new Metrics({ resultsBacklog: new ResultsBacklog(queue), processMetrics: false });
    const text = await metrics.render();
    expect(text).toMatch(/^keepwatch_results_backlog\{queue="results"\} 5$/m);
    expect(Number(/^keepwatch_results_backlog_oldest_age_seconds\{queue="results"\} (\S+)$/m.exec(text)?.[1])).toBeGreaterThan(0);

    await lock.release();
    await waitFor(() => c.counters().batches === 5, "all batches stored", 60_000);
    expect(c.counters()).toMatchObject({ ingested: 500, duplicates: 0, failedBatches: 0 });
    expect(await storedCount()).toBe(500);
    expect(await rollupTotal()).toBe(500);
    expect((await store.listProbes())[0]?.measurements).toBe(500);
    // A batch is counted when stored; BullMQ completes its job just after.
    await waitFor(async () => (await new ResultsBacklog(queue).read()).jobs === 0, "the last job completed");
    expect(await new ResultsBacklog(queue).read()).toEqual({ jobs: 0, oldestAcceptedAt: null });
  }, 90_000);

  for (const code of ["SQLITE_FULL", "SQLITE_IOERR_WRITE"]) {
    it(`a store failing with ${code} is retried until it recovers; nothing dropped`, async () => {
      let refusals = 0;
      const failing = withInsert(store, async (b) => {
        if (refusals < 12) {
          refusals += 1;
          throw Object.assign(new Error("disk trouble"), { code });
        }
        return store.insertMeasurements(b);
      });
      const c = startCollector({}, failing);
      await producer.add(batch(50));
      await waitFor(() => c.counters().batches === 1, "batch stored");
      expect(c.counters()).toMatchObject({ ingested: 50, invalid: 0, failedBatches: 0, postponedBatches: 12 });
      expect(await storedCount()).toBe(50);
    });
  }

  it("an item the store refuses is dropped on its own; the job does not loop", async () => {
    const ms = batch(40);
    const poisoned = ms[7]!.id;
    const refusing = withInsert(store, async (b) => {
      if (b.some((m) => m.id === poisoned)) {
        throw Object.assign(new Error("CHECK constraint failed"), { code: "SQLITE_CONSTRAINT_CHECK" });
      }
      return store.insertMeasurements(b);
    });
    const c = startCollector({}, refusing);
    const [jobId] = await producer.add(ms);
    await waitFor(async () => (await queue.getJobState(jobId!)) === "completed", "job completed");
    expect(c.counters()).toMatchObject({ ingested: 39, invalid: 1, postponedBatches: 0, failedBatches: 0 });
    expect(await store.getMeasurement(poisoned)).toBeNull();
    expect(await rollupTotal()).toBe(39);
  });

  it("a re-upload of a batch whose job sits in failed is taken again and stored whole", async () => {
    const ms = batch(300);
    const jobId = await leaveFailed(ms);
    const c = startCollector({ retryFailedOnStart: false });
    await c.waitUntilReady();
    // Without the fix BullMQ's add() is a silent no-op here: 202, and nothing stored.
    const [again] = await producer.add(ms);
    expect(again).toBe(jobId);
    await waitFor(() => c.counters().batches === 1, "re-uploaded batch stored");
    expect(await storedCount()).toBe(300);
    expect(await rollupTotal()).toBe(300);
    await waitFor(async () => (await queue.getJobState(jobId)) === "completed", "job completed");
  });

  it("jobs left in failed by an older version are taken back when a collector starts", async () => {
    const a = batch(120);
    const b = batch(80, 500);
    await leaveFailed(a);
    await leaveFailed(b);
    expect(await queue.getFailedCount()).toBe(2);
    const c = startCollector();
    await c.waitUntilReady();
    await waitFor(() => c.counters().batches === 2, "both revived batches stored");
    expect(c.counters()).toMatchObject({ revivedBatches: 2, ingested: 200 });
    expect(await storedCount()).toBe(200);
    expect(await queue.getFailedCount()).toBe(0);
  });

  it("redelivery after a partial store keeps rollups exact", async () => {
    // The first attempt commits, then the store "fails" as it answers: the retry finds every id stored.
    let first = true;
    const flaky = withInsert(store, async (b) => {
      const r = await store.insertMeasurements(b);
      if (first) {
        first = false;
        throw Object.assign(new Error("disk I/O error"), { code: "SQLITE_IOERR" });
      }
      return r;
    });
    const c = startCollector({}, flaky);
    await producer.add(batch(60));
    await waitFor(() => c.counters().batches === 1, "batch settled");
    expect(c.counters()).toMatchObject({ ingested: 0, duplicates: 60, postponedBatches: 1 });
    expect(await storedCount()).toBe(60);
    expect(await rollupTotal()).toBe(60);
    expect((await store.listProbes())[0]?.measurements).toBe(60);
  });
});
