import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createRedisConnection, waitUntilReady } from "../../src/queue/connection.js";
import { QUEUES } from "../../src/queue/names.js";
import { ResultsProducer } from "../../src/queue/results-producer.js";
import { resultsJobId, type ResultsJobData } from "../../src/queue/results-job.js";
import { startTestRedis, type TestRedis } from "../helpers/redis.js";
import { fixtureMeasurement } from "../fixtures/measurement.js";

let redis: TestRedis;
let conn: Redis;
let producer: ResultsProducer;
let inspect: Queue<ResultsJobData>;

beforeAll(async () => { redis = await startTestRedis(); });
afterAll(async () => { await redis.cleanup(); });
beforeEach(async () => {
  conn = createRedisConnection(redis.url, "producer");
  await waitUntilReady(conn);
  await conn.flushall();
  producer = new ResultsProducer(conn);
  inspect = new Queue<ResultsJobData>(QUEUES.results, { connection: conn });
});
afterEach(async () => {
  await producer.close();
  await inspect.close();
  conn.disconnect();
});

describe("resultsJobId", () => {
  it("depends on the set of ids, not their order", () => {
    const [a, b, c] = [fixtureMeasurement(), fixtureMeasurement(), fixtureMeasurement()];
    expect(resultsJobId([a, b])).toBe(resultsJobId([b, a]));
    expect(resultsJobId([a, b])).not.toBe(resultsJobId([a, c]));
    expect(resultsJobId([a])).toMatch(/^results-[0-9a-f]{64}$/);
  });
});

describe("ResultsProducer", () => {
  it("splits into jobs of at most 1000 and a re-add is idempotent", async () => {
    const ms = Array.from({ length: 2500 }, () => fixtureMeasurement());
    const ids = await producer.add(ms);
    expect(ids.length).toBe(3);
    const again = await producer.add(ms);
    expect(again).toEqual(ids);
    expect(await inspect.getWaitingCount()).toBe(3);
    const sizes = await Promise.all(ids.map(async (id) => (await inspect.getJob(id))?.data.measurements.length));
    expect(sizes).toEqual([1000, 1000, 500]);
    const job = await inspect.getJob(ids[2]!);
    expect(job?.data.measurements[0]).toEqual(ms[2000]);
    expect(job?.opts.attempts).toBeGreaterThan(1);
    expect(job?.opts.backoff).toMatchObject({ type: "exponential" });
    expect(await producer.add([])).toEqual([]);
  });

  it("keeps accepted jobs across a Redis restart (AOF)", async () => {
    const ids = await producer.add(Array.from({ length: 10 }, () => fixtureMeasurement()));
    await producer.close();
    await inspect.close();
    conn.disconnect();
    await redis.stop();
    await redis.restart();
    conn = createRedisConnection(redis.url, "producer");
    await waitUntilReady(conn);
    producer = new ResultsProducer(conn);
    inspect = new Queue<ResultsJobData>(QUEUES.results, { connection: conn });
    expect((await inspect.getJob(ids[0]!))?.data.measurements.length).toBe(10);
  });

  it("fails fast instead of queueing in memory while Redis is down", async () => {
    await redis.stop();
    try {
      await expect(producer.add([fixtureMeasurement()])).rejects.toThrow();
    } finally {
      await redis.restart();
    }
  });
});
