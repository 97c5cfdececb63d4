import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { alertJobId } from "../../src/alerts/dispatcher.js";
import { alertEventFromIncidentEvent } from "../../src/alerts/event.js";
import { startAlerts, type Alerts } from "../../src/alerts/service.js";
import { verifyWebhook } from "../../src/alerts/signature.js";
import type { AlertChannelConfig } from "../../src/config/schema.js";
import { startTestRedis, type TestRedis } from "../helpers/redis.js";
import { incident, testConfig } from "./fixtures.js";
import { startHttpReceiver, startSmtpReceiver, type HttpReceiver, type SmtpReceiver } from "./receivers.js";

const SECRET = "steady-secret-0123456789";
let redis: TestRedis;
let flaky: HttpReceiver;
let steady: HttpReceiver;
let telegram: HttpReceiver;
let slack: HttpReceiver;
let smtp: SmtpReceiver;
let prefixSeq = 0;
const running: Alerts[] = [];

beforeAll(async () => {
  redis = await startTestRedis();
  [flaky, steady, telegram, slack, smtp] = await Promise.all([
    startHttpReceiver(), startHttpReceiver(), startHttpReceiver(), startHttpReceiver(), startSmtpReceiver(),
  ]);
  telegram.handler = () => ({ status: 200, body: JSON.stringify({ ok: true, result: {} }) });
});
afterAll(async () => {
  await Promise.all(running.map((a) => a.close()));
  await Promise.all([flaky, steady, telegram, slack, smtp].map((r) => r.close()));
  await redis.cleanup();
});

function channels(): AlertChannelConfig[] {
  return [
    { type: "webhook", name: "flaky", url: `${flaky.url}/hook`, secret: "flaky-secret-0123456789", language: "en" },
    { type: "webhook", name: "steady", url: `${steady.url}/hook`, secret: SECRET, language: "kk" },
    { type: "telegram", name: "tg", botToken: "42:token", chatId: "7", apiUrl: telegram.url, language: "ru" },
    { type: "slack", name: "slack", url: `${slack.url}/services/x`, language: "en", regions: ["KZ-47"] },
    { type: "email", name: "mail", smtp: { host: "127.0.0.1", port: smtp.port, secure: false },
      from: "kw@example.org", to: ["desk@example.org"], language: "en", kinds: ["full_shutdown"] },
  ];
}

async function start(opts: { reminderMinutes?: number; now?: () => Date; concurrency?: number; mayDeliver?: () => Promise<boolean> } = {}): Promise<Alerts> {
  const alerts = await startAlerts({
    config: testConfig({ channels: channels(), reminderMinutes: opts.reminderMinutes ?? 0, publicUrl: "https://kw.example.org" }),
    redisUrl: redis.url,
    prefix: `s${++prefixSeq}`,
    policy: { attempts: 5, backoffMs: 50, keepSeconds: 3600, keepCount: 1000 },
    timeoutMs: 5000,
    reminderCheckMs: 3_600_000, // ticks are driven by the test
    ...(opts.concurrency !== undefined ? { concurrency: opts.concurrency } : {}),
    ...(opts.now ? { now: opts.now } : {}),
    ...(opts.mayDeliver ? { mayDeliver: opts.mayDeliver } : {}),
  });
  running.push(alerts);
  return alerts;
}

async function drained(alerts: Alerts): Promise<void> {
  for (;;) {
    const c = await alerts.queue.getJobCounts("waiting", "active", "delayed", "prioritized");
    if (Object.values(c).every((n) => n === 0)) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("alerts end to end", () => {
  it("delivers to every matching channel; a failing channel is retried without holding up the others", async () => {
    // flaky holds its first request until steady has been delivered, then fails twice before accepting.
    flaky.handler = async (_req, i) => {
      if (i === 0) await steady.waitFor(1);
      return i < 2 ? { status: 500, body: "down" } : { status: 200, body: "ok" };
    };
    const alerts = await start();
    const shutdown = incident({ kind: "full_shutdown" });
    // When steady's delivery arrives, flaky's first attempt must still be in progress (not failed and retried).
    const flakyJobId = alertJobId(alertEventFromIncidentEvent({ type: "opened", incident: shutdown }).id, "flaky");
    let flakyAttemptsWhenSteadyArrived: number | undefined;
    steady.handler = async (_req, i) => {
      if (i === 0) flakyAttemptsWhenSteadyArrived = (await alerts.queue.getJob(flakyJobId))?.attemptsMade;
      return { status: 200, body: "ok" };
    };
    await alerts.dispatcher.publish({ type: "opened", incident: shutdown });

    const [got] = await steady.waitFor(1);
    const flakyRequests = await flaky.waitFor(3);
    await Promise.all([telegram.waitFor(1), slack.waitFor(1), smtp.waitFor(1)]);
    await drained(alerts);

    expect(flakyRequests).toHaveLength(3);
    expect(flakyAttemptsWhenSteadyArrived).toBe(0);
    const completed = await alerts.queue.getJobs(["completed"]);
    expect(completed.map((j) => j.data.channel).sort()).toEqual(["flaky", "mail", "slack", "steady", "tg"]);
    expect(completed.find((j) => j.data.channel === "flaky")?.attemptsMade).toBe(3);

    const check = verifyWebhook({ secret: SECRET, rawBody: got!.body,
      signature: got!.headers["x-keepwatch-signature"] as string, timestamp: got!.headers["x-keepwatch-timestamp"] as string });
    expect(check).toEqual({ ok: true });
    const body = JSON.parse(got!.body) as { message: { title: string }; permalink: string };
    expect(body.message.title).toBe("Жаңа оқиға — Маңғыстау облысы: интернеттің толық өшірілуі");
    expect(body.permalink).toBe("https://kw.example.org/incidents/inc-kz47-1");
    expect((JSON.parse(telegram.requests[0]!.body) as { text: string }).text).toContain("полное отключение интернета");

    // The same event again, then the recovery: each channel ends with exactly two deliveries.
    await alerts.dispatcher.publish({ type: "opened", incident: shutdown });
    await alerts.dispatcher.publish({ type: "closed", incident: { ...shutdown, status: "closed", endedAt: "2026-01-05T18:40:00.000Z" } });
    await steady.waitFor(2);
    await drained(alerts);
    expect(steady.requests).toHaveLength(2);
    expect(flaky.requests).toHaveLength(4);
    expect(telegram.requests).toHaveLength(2);
    expect(smtp.mails).toHaveLength(2);
    expect((JSON.parse(steady.requests[1]!.body) as { event: { type: string } }).event.type).toBe("closed");

    // Filters: an Almaty whitelist incident skips slack (KZ-47 only) and mail (full_shutdown only).
    await alerts.dispatcher.publish({ type: "opened", incident: incident({ id: "inc-kz75-1", region: "KZ-75" }) });
    await steady.waitFor(3);
    await drained(alerts);
    expect(slack.requests).toHaveLength(2);
    expect(smtp.mails).toHaveLength(2);
    expect(telegram.requests).toHaveLength(3);
  });

  it("delivers reminders, and a restarted service does not repeat them", async () => {
    steady.requests.length = 0;
    flaky.handler = () => ({ status: 200, body: "ok" });
    const clock = { now: new Date("2026-01-05T13:10:00.000Z") };
    const first = await start({ reminderMinutes: 60, now: () => clock.now });
    const prefix = `s${prefixSeq}`;
    await first.dispatcher.publish({ type: "opened", incident: incident({ id: "inc-rem" }) });
    clock.now = new Date("2026-01-05T14:10:00.000Z");
    expect(await first.dispatcher.sendReminders()).toBe(1);
    await steady.waitFor(2);
    await drained(first);
    await first.close();
    running.splice(running.indexOf(first), 1);

    // Same redis and prefix, 20 minutes later: nothing due yet.
    clock.now = new Date("2026-01-05T14:30:00.000Z");
    const second = await startAlerts({
      config: testConfig({ channels: channels(), reminderMinutes: 60 }), redisUrl: redis.url, prefix,
      policy: { attempts: 5, backoffMs: 50, keepSeconds: 3600, keepCount: 1000 }, reminderCheckMs: 3_600_000, now: () => clock.now,
    });
    running.push(second);
    expect(await second.dispatcher.sendReminders()).toBe(0);
    clock.now = new Date("2026-01-05T15:10:00.000Z");
    expect(await second.dispatcher.sendReminders()).toBe(1);
    await steady.waitFor(3);
    await drained(second);
    const types = steady.requests.map((r) => (JSON.parse(r.body) as { event: { type: string; reminder: number | null } }).event);
    expect(types).toEqual([
      expect.objectContaining({ type: "opened" }),
      expect.objectContaining({ type: "reminder", reminder: 1 }),
      expect.objectContaining({ type: "reminder", reminder: 2 }),
    ]);
  });

  it("gives up at once on a refusal (404) instead of retrying", async () => {
    const gone = await startHttpReceiver();
    gone.handler = () => ({ status: 404, body: "not found" });
    const alerts = await startAlerts({
      config: testConfig({ channels: [{ type: "slack", name: "gone", url: `${gone.url}/x`, language: "en" }] }),
      redisUrl: redis.url, prefix: `s${++prefixSeq}`, policy: { attempts: 5, backoffMs: 50, keepSeconds: 3600, keepCount: 1000 },
    });
    running.push(alerts);
    const [id] = await alerts.dispatcher.publish({ type: "opened", incident: incident({ id: "inc-gone" }) });
    await gone.waitFor(1);
    await drained(alerts);
    const job = await alerts.queue.getJob(id!);
    expect(await job!.getState()).toBe("failed");
    expect(job!.attemptsMade).toBe(1);
    expect(gone.requests).toHaveLength(1);
    await gone.close();
  });

  it("refuses a config with two channels of the same name", async () => {
    const twice = testConfig({ channels: [channels()[0]!, { ...channels()[1]!, name: "flaky" }] });
    await expect(startAlerts({ config: twice, redisUrl: redis.url })).rejects.toThrow(/"flaky" is used twice/);
  });

  it("closes gracefully: a delivery in progress completes before close() returns", async () => {
    let release: () => void = () => undefined;
    const held = new Promise<void>((r) => { release = r; });
    steady.requests.length = 0;
    steady.handler = async () => { await held; return { status: 200, body: "ok" }; };
    const alerts = await start();
    await alerts.dispatcher.publish({ type: "opened", incident: incident({ id: "inc-close" }) });
    await steady.waitFor(1);
    const job = (await alerts.queue.getJobs(["active"])).find((j) => j.data.channel === "steady");
    expect(job).toBeDefined();
    const closing = alerts.close();
    running.splice(running.indexOf(alerts), 1);
    setTimeout(release, 50);
    await closing;
    steady.handler = () => ({ status: 200, body: "ok" });
    // Read the job's final state with a fresh service on the same prefix.
    const check = await startAlerts({ config: testConfig(), redisUrl: redis.url, prefix: `s${prefixSeq}`, worker: false });
    running.push(check);
    expect(await check.queue.getJobState(job!.id!)).toBe("completed");
  });

  it("a sender that is no longer the elected leader sends nothing, uses no attempt, and the job is sent once later", async () => {
    steady.requests.length = 0;
    steady.handler = () => ({ status: 200, body: "ok" });
    let leading = false;
    let asked = 0;
    const alerts = await start({ mayDeliver: async () => { asked++; return leading; } });
    await alerts.dispatcher.publish({ type: "opened", incident: incident({ id: "inc-fenced", region: "KZ-75" }) });
    const jobId = alertJobId(alertEventFromIncidentEvent({ type: "opened", incident: incident({ id: "inc-fenced", region: "KZ-75" }) }).id, "steady");
    // Asked, refused, put back as delayed: several rounds without a request and without using attempts.
    for (;;) {
      if (asked >= 8) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(steady.requests).toHaveLength(0);
    const job = await alerts.queue.getJob(jobId);
    expect(job?.attemptsMade).toBe(0);
    leading = true; // elected (again): it goes out, once
    await steady.waitFor(1);
    await drained(alerts);
    await new Promise((r) => setTimeout(r, 300));
    expect(steady.requests).toHaveLength(1);
    expect(await alerts.queue.getJobState(jobId)).toBe("completed");
  });
});
