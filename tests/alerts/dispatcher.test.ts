import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AlertDispatcher } from "../../src/alerts/dispatcher.js";
import { OpenIncidentTracker } from "../../src/alerts/open-incidents.js";
import { ALERTS_QUEUE, type AlertJobData } from "../../src/alerts/queue.js";
import type { AlertChannelConfig } from "../../src/config/schema.js";
import { startTestRedis, type TestRedis } from "../helpers/redis.js";
import { incident } from "./fixtures.js";

let redis: TestRedis;
let client: Redis;
const queues: Queue<AlertJobData>[] = [];
let prefixSeq = 0;

beforeAll(async () => {
  redis = await startTestRedis();
  client = new Redis(redis.url, { maxRetriesPerRequest: null });
});
afterAll(async () => {
  await Promise.all(queues.map((q) => q.close()));
  await client.quit();
  await redis.cleanup();
});

const hook = (name: string, extra: Partial<AlertChannelConfig> = {}): AlertChannelConfig =>
  ({ type: "webhook", name, url: "http://127.0.0.1:9/", secret: "0123456789abcdef", language: "en", ...extra }) as AlertChannelConfig;

/** A fresh prefix per test keeps queues and reminder state apart on the shared redis-server. */
function world(channels: AlertChannelConfig[], reminderMinutes = 0) {
  const prefix = `t${++prefixSeq}`;
  const queue = new Queue<AlertJobData>(ALERTS_QUEUE, { connection: client, prefix });
  queues.push(queue);
  const clock = { now: new Date("2026-01-05T13:10:00.000Z") };
  const dispatcher = () => new AlertDispatcher({
    queue, tracker: new OpenIncidentTracker(client, prefix), channels, reminderMinutes, now: () => clock.now,
  });
  const jobs = async () => (await queue.getJobs(["waiting", "delayed", "active", "completed", "failed"]))
    .map((j) => ({ id: j.id, type: j.data.event.type, channel: j.data.channel, reminder: j.data.event.reminder }));
  const advance = (minutes: number) => { clock.now = new Date(clock.now.getTime() + minutes * 60_000); };
  return { queue, dispatcher, jobs, advance, clock };
}

describe("alert dispatcher", () => {
  it("enqueues one job per channel whose region and kind filters match", async () => {
    const w = world([
      hook("all"),
      hook("almaty-only", { regions: ["KZ-75"] }),
      hook("shutdowns-only", { kinds: ["full_shutdown"] }),
      hook("mangystau-whitelist", { regions: ["KZ-47"], kinds: ["whitelist_only"] }),
    ]);
    const d = w.dispatcher();
    await d.publish({ type: "opened", incident: incident() });
    expect((await w.jobs()).map((j) => j.channel).sort()).toEqual(["all", "mangystau-whitelist"]);

    // A change away from a kind a channel follows still reaches it.
    await d.publish({ type: "kind_changed", previousKind: "whitelist_only",
      incident: incident({ kind: "full_shutdown", revisedAt: "2026-01-05T14:00:00.000Z" }) });
    const changed = (await w.jobs()).filter((j) => j.type === "kind_changed").map((j) => j.channel).sort();
    expect(changed).toEqual(["all", "mangystau-whitelist", "shutdowns-only"]);
    await d.close();
  });

  it("does not enqueue a repeated event twice, even from a restarted dispatcher", async () => {
    const w = world([hook("a"), hook("b")]);
    const first = await w.dispatcher().publish({ type: "opened", incident: incident() });
    const again = await w.dispatcher().publish({ type: "opened", incident: incident() });
    expect(again).toEqual(first);
    expect(new Set(first).size).toBe(2);
    expect(await w.queue.count()).toBe(2);
    // A different event on the same incident is a new job.
    await w.dispatcher().publish({ type: "closed", incident: incident({ status: "closed", endedAt: "2026-01-05T15:00:00.000Z" }) });
    expect(await w.queue.count()).toBe(4);
  });

  it("reminds every reminderMinutes while open, durably across restarts, and stops when closed", async () => {
    const w = world([hook("a")], 30);
    await w.dispatcher().publish({ type: "opened", incident: incident() });
    const reminders = async () => (await w.jobs()).filter((j) => j.type === "reminder").map((j) => j.reminder).sort();

    w.advance(29);
    expect(await w.dispatcher().sendReminders()).toBe(0);
    w.advance(1);
    expect(await w.dispatcher().sendReminders()).toBe(1);
    expect(await w.dispatcher().sendReminders()).toBe(0);
    expect(await reminders()).toEqual([1]);

    // A restart 15 minutes later: a new dispatcher reads the stored time and stays quiet.
    w.advance(15);
    const restarted = w.dispatcher();
    expect(await restarted.sendReminders()).toBe(0);
    // A re-published "opened" after the restart neither re-sends nor resets the clock.
    await restarted.publish({ type: "opened", incident: incident() });
    w.advance(15);
    expect(await restarted.sendReminders()).toBe(1);
    expect(await reminders()).toEqual([1, 2]);

    // A kind change is itself an alert: the reminder clock restarts from it.
    w.advance(10);
    await restarted.publish({ type: "kind_changed", previousKind: "whitelist_only",
      incident: incident({ kind: "full_shutdown", revisedAt: w.clock.now.toISOString() }) });
    w.advance(25);
    expect(await restarted.sendReminders()).toBe(0);
    w.advance(5);
    expect(await restarted.sendReminders()).toBe(1);
    const third = (await w.queue.getJobs(["waiting"])).find((j) => j.data.event.reminder === 3);
    expect(third?.data.event.incident.kind).toBe("full_shutdown");

    await restarted.publish({ type: "closed", incident: incident({ kind: "full_shutdown", status: "closed", endedAt: w.clock.now.toISOString() }) });
    w.advance(300);
    expect(await restarted.sendReminders()).toBe(0);
    expect(await reminders()).toEqual([1, 2, 3]);
    await restarted.close();
  });

  it("never reminds about an incident that late data revised after it closed", async () => {
    const w = world([hook("a")], 10);
    const ended = incident({ status: "closed", endedAt: "2026-01-05T13:05:00.000Z" });
    await w.dispatcher().publish({ type: "revised", incident: { ...ended, revisedAt: "2026-01-05T13:09:00.000Z",
      revisions: [{ at: "2026-01-05T13:09:00.000Z", field: "endedAt", from: "2026-01-05T13:04:00.000Z", to: ended.endedAt, reason: "late" }] } });
    w.advance(60);
    expect(await w.dispatcher().sendReminders()).toBe(0);
    expect((await w.jobs()).map((j) => j.type)).toEqual(["revised"]);
  });

  it("sends one reminder when two dispatchers tick at the same moment", async () => {
    const w = world([hook("a"), hook("b")], 10);
    await w.dispatcher().publish({ type: "opened", incident: incident() });
    w.advance(10);
    const counts = await Promise.all([w.dispatcher().sendReminders(), w.dispatcher().sendReminders(), w.dispatcher().sendReminders()]);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(1);
    expect((await w.jobs()).filter((j) => j.type === "reminder")).toHaveLength(2); // one per channel
  });

  it("keeps reminder and dedupe state across a redis-server restart", async () => {
    const w = world([hook("a")], 30);
    const ids = await w.dispatcher().publish({ type: "opened", incident: incident() });
    w.advance(30);
    expect(await w.dispatcher().sendReminders()).toBe(1);
    await redis.stop();
    await redis.restart(); // same data dir: the append-only file is replayed
    w.advance(10);
    expect(await w.dispatcher().sendReminders()).toBe(0);
    expect(await w.dispatcher().publish({ type: "opened", incident: incident() })).toEqual(ids);
    expect(await w.queue.count()).toBe(2); // opened + reminder 1, nothing new
    w.advance(20);
    expect(await w.dispatcher().sendReminders()).toBe(1);
  });

  it("sends no reminders when reminderMinutes is 0", async () => {
    const w = world([hook("a")], 0);
    await w.dispatcher().publish({ type: "opened", incident: incident() });
    w.advance(10_000);
    expect(await w.dispatcher().sendReminders()).toBe(0);
  });
});
