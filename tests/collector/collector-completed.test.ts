// What a stored results job leaves in Redis: counts and dropped ids for operators, never its 2.4 MB payload;
// and a trimmed job delivered again (its completion lost after the commit) completes without storing anything.
import { Job, Queue } from "bullmq";
import type { Redis } from "ioredis";
import { pino } from "pino";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { Collector } from "../../src/collector/collector.js";
import type { Measurement } from "../../src/measurement.js";
import { JOB_OPTIONS } from "../../src/queue/job-options.js";
import { QUEUES } from "../../src/queue/names.js";
import { RESULTS_JOB_NAME, storedResultsJobData } from "../../src/queue/results-job.js";
import { ResultsProducer } from "../../src/queue/results-producer.js";
import { SqliteStore } from "../../src/store/sqlite.js";
import { fixtureMeasurement } from "../fixtures/measurement.js";
import { startTestRedis, type TestRedis } from "../helpers/redis.js";
import { openCollectorFixture, type CollectorFixture } from "./collector-fixture.js";
import { waitFor } from "./wait-for.js";

let redis: TestRedis;
let fixture: CollectorFixture;
let store: SqliteStore;
let conn: Redis;
let producer: ResultsProducer;
let queue: Queue;
let collector: Collector | null = null;

beforeAll(async () => { redis = await startTestRedis(); });
afterAll(async () => { await redis.cleanup(); });

beforeEach(async () => {
  fixture = await openCollectorFixture(redis.url, "kw-completed-");
  ({ store, conn, producer, queue } = fixture);
});

afterEach(async () => {
  await collector?.close({ force: true });
  collector = null;
  await fixture.close();
});

const at = (i: number) => new Date(Date.parse("2025-01-05T10:00:00Z") + i * 1000).toISOString();
const batch = (n: number, offset = 0): Measurement[] =>
  Array.from({ length: n }, (_, i) => fixtureMeasurement({ startedAt: at(offset + i) }));

function start(): Collector {
  collector = new Collector({ redis: redis.url, store, logger: pino({ level: "silent" }) });
  return collector;
}

describe("completed results jobs", () => {
  it("keep counts, dropped ids and their result in Redis, not their measurements", async () => {
    const good = batch(300);
    const bad = { ...fixtureMeasurement({ startedAt: at(400) }), region: "not a region" } as Measurement;
    const ids = await producer.add([...good.slice(0, 150), bad, ...good.slice(150)]);
    // SAMPLES 0: every field counted (by default Redis samples 5 of a hash's fields and may miss `data`).
    const before = await conn.memory("USAGE", `bull:${QUEUES.results}:${ids[0]}`, "SAMPLES", 0);
    const c = start();
    await waitFor(() => c.counters().batches === 1, "the batch");
    await waitFor(async () => (await queue.getJobCounts("completed")).completed === 1, "completion");

    const job = await Job.fromId(queue, ids[0]!);
    expect(job?.data).toEqual({ stored: { measurements: 301, droppedIds: [bad.id] } });
    expect(job?.returnvalue).toMatchObject({ jobId: ids[0], inserted: 300, duplicates: 0, invalid: 1 });
    expect(job?.finishedOn).toBeGreaterThan(0);
    const after = await conn.memory("USAGE", `bull:${QUEUES.results}:${ids[0]}`, "SAMPLES", 0);
    expect(before).toBeGreaterThan(100_000); // 301 measurements queued
    expect(after).toBeLessThan(2_000);
    // The measurements are in the store, whole.
    expect(await store.getMeasurement(good[200]!.id)).toEqual(good[200]);
  });

  it("a trimmed job delivered again completes without touching the store", async () => {
    // As if a collector stored and trimmed it, then died before completing it: BullMQ hands it out again.
    await queue.add(RESULTS_JOB_NAME, storedResultsJobData(1000, []), { ...JOB_OPTIONS.results, jobId: "results-trimmed" });
    const fresh = batch(5);
    await producer.add(fresh);
    const c = start();
    await waitFor(async () => (await queue.getJobCounts("completed")).completed === 2, "both jobs");
    expect((await queue.getJobCounts("failed")).failed).toBe(0);
    expect(c.counters()).toMatchObject({ ingested: 5, duplicates: 0, invalid: 0, failedBatches: 0 });
    expect((await store.measurementFacts({})).length).toBe(5);
    expect((await Job.fromId(queue, "results-trimmed"))?.returnvalue).toMatchObject({ inserted: 0, duplicates: 0, invalid: 0 });
  });

  it("a job with both a measurements array and a stored field is validated and stored, not skipped", async () => {
    // A forged or mixed payload must not dodge validation by carrying "stored".
    const ms = batch(3, 10);
    await queue.add(RESULTS_JOB_NAME, { measurements: ms, stored: { measurements: 0, droppedIds: [] } } as never,
      { ...JOB_OPTIONS.results, jobId: "results-mixed" });
    const c = start();
    await waitFor(() => c.counters().batches === 1, "the batch");
    expect(c.counters()).toMatchObject({ ingested: 3 });
    expect((await Job.fromId(queue, "results-mixed"))?.data).toEqual({ stored: { measurements: 3, droppedIds: [] } });
  });

  it("many stored jobs of 1,000 measurements leave Redis about as small as it was before they came", async () => {
    await conn.config("SET", "maxmemory-policy", "noeviction");
    const idle = Number(/used_memory:(\d+)/.exec(await conn.info("memory"))![1]);
    for (let i = 0; i < 5; i++) await producer.add(batch(1000, i * 1000));
    const c = start();
    await waitFor(() => c.counters().batches === 5, "five jobs", 60_000);
    await waitFor(async () => (await queue.getJobCounts("completed")).completed === 5, "completion");
    const used = Number(/used_memory:(\d+)/.exec(await conn.info("memory"))![1]);
    // 5 jobs of ~1000 fixture measurements would hold several MB with their payloads.
    expect(used - idle).toBeLessThan(1_000_000);
  });
});
