import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRedisConnection, waitUntilReady } from "../../src/queue/connection.js";
import { MeasureProducer } from "../../src/queue/measure-producer.js";
import { measureJobId, type MeasureJob } from "../../src/queue/measure-job.js";
import { measureQueueName } from "../../src/queue/names.js";
import { startTestRedis, type TestRedis } from "../helpers/redis.js";

let redis: TestRedis;
beforeAll(async () => { redis = await startTestRedis(); });
afterAll(async () => { await redis.cleanup(); });

describe("measureJobId", () => {
  it("is deterministic per probe and slot and free of ':'", () => {
    const a = measureJobId("probe-1", "2025-01-05T10:05:00Z");
    expect(a).toBe(measureJobId("probe-1", new Date("2025-01-05T10:05:00.000Z")));
    expect(a).not.toContain(":");
    expect(a).not.toBe(measureJobId("probe-2", "2025-01-05T10:05:00Z"));
    expect(a).not.toBe(measureJobId("probe-1", "2025-01-05T10:10:00Z"));
    expect(() => measureJobId("probe-1", "not a time")).toThrow(RangeError);
  });
});

describe("MeasureProducer", () => {
  it("two schedulers adding the same slot leave one job in the probe's queue", async () => {
    const conns: Redis[] = [createRedisConnection(redis.url, "producer"), createRedisConnection(redis.url, "producer")];
    await Promise.all(conns.map(waitUntilReady));
    const [s1, s2] = conns.map((c) => new MeasureProducer(c)) as [MeasureProducer, MeasureProducer];
    const job: MeasureJob = {
      region: "KZ-75", probeId: "probe-1", network: "kt-fixed", role: "region", scheduledFor: "2025-01-05T10:05:00.000Z",
      targets: [{ url: "https://example.test/", list: "whitelisted", category: "gov", throughput: false }],
    };
    const ids = await Promise.all([s1.add(job), s2.add(job), s1.add(job)]);
    expect(new Set(ids).size).toBe(1);
    await s2.add({ ...job, probeId: "probe-2" });
    const q1 = new Queue<MeasureJob>(measureQueueName("KZ-75", "probe-1"), { connection: conns[0]! });
    const q2 = new Queue<MeasureJob>(measureQueueName("KZ-75", "probe-2"), { connection: conns[0]! });
    expect(await q1.getWaitingCount()).toBe(1);
    expect(await q2.getWaitingCount()).toBe(1);
    expect((await q1.getJob(ids[0]!))?.data).toEqual(job);
    await Promise.all([q1.close(), q2.close(), s1.close(), s2.close()]);
    conns.forEach((c) => c.disconnect());
  });
});
