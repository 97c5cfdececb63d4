// Two schedulers on one real Redis enqueue each probe's slot once; the cron drives real ticks.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Queue } from "bullmq";
import { pino } from "pino";
import { configSchema } from "../../src/config/schema.js";
import { createRedisConnection } from "../../src/queue/connection.js";
import { MeasureProducer } from "../../src/queue/measure-producer.js";
import { measureQueueName } from "../../src/queue/names.js";
import { planTick, slotOf } from "../../src/scheduler/plan.js";
import { Scheduler } from "../../src/scheduler/scheduler.js";
import { startTestRedis, type TestRedis } from "../helpers/redis.js";

const config = configSchema.parse({
  regions: [{ id: "KZ-47", names: { kk: "Маңғыстау", ru: "Мангистауская", en: "Mangystau" } }],
  controls: [{ id: "CONTROL", name: "control" }],
  networks: [{ id: "kcell-mobile", name: "Kcell", asn: 29355, kind: "mobile" }, { id: "dc", name: "DC", kind: "fixed" }],
  probes: [
    { id: "p47", region: "KZ-47", network: "kcell-mobile" },
    { id: "c1", region: "CONTROL", network: "dc", role: "control" },
  ],
  schedule: { cron: "* * * * * *" },
});
const targets = [{ url: "https://egov.kz/", list: "whitelisted" as const, category: "gov", throughput: false }];
const log = pino({ level: "silent" });

let redis: TestRedis;
beforeAll(async () => {
  redis = await startTestRedis();
});
afterAll(() => redis.cleanup());

describe("Scheduler", () => {
  it("plans one job per probe for the slot, to the second", () => {
    const at = new Date("2026-01-05T13:02:07.640Z");
    const jobs = planTick(config, targets, at);
    expect(jobs.map((j) => [j.probeId, j.region, j.role])).toEqual([["p47", "KZ-47", "region"], ["c1", "CONTROL", "control"]]);
    expect(jobs[0]?.scheduledFor).toBe(slotOf(at).toISOString());
    expect(jobs[0]?.scheduledFor).toBe("2026-01-05T13:02:07.000Z");
  });

  it("enqueues a slot once however many schedulers tick it", async () => {
    const conn = createRedisConnection(redis.url, "worker");
    const a = new Scheduler(config, targets, new MeasureProducer(conn), log);
    const b = new Scheduler(config, targets, new MeasureProducer(conn), log);
    const slot = new Date("2026-01-05T13:05:00.000Z");
    const [idsA, idsB] = await Promise.all([a.tick(slot), b.tick(new Date(slot.getTime() + 400))]);
    expect(idsA).toEqual(idsB);
    const q = new Queue(measureQueueName("KZ-47", "p47"), { connection: conn });
    expect(await q.count()).toBe(1);
    await q.obliterate({ force: true });
    await q.close();
    conn.disconnect();
  });

  it("ticks on its cron and stops cleanly", async () => {
    const conn = createRedisConnection(redis.url, "worker");
    const producer = new MeasureProducer(conn);
    const s = new Scheduler(config, targets, producer, log);
    s.start();
    const q = new Queue(measureQueueName("CONTROL", "c1"), { connection: conn });
    const deadline = Date.now() + 10_000;
    while ((await q.count()) < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    await s.stop();
    const jobs = await q.getJobs(["waiting"]);
    expect(jobs.length).toBeGreaterThanOrEqual(2);
    // Each job is a distinct second-aligned slot.
    const slots = jobs.map((j) => j.data.scheduledFor as string);
    expect(new Set(slots).size).toBe(slots.length);
    for (const s of slots) expect(s).toMatch(/\.000Z$/);
    await q.close();
    await producer.close();
    conn.disconnect();
  });
});
