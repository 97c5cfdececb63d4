// Leader election on a real Redis, as processes fail: two candidates, the leader stopping, freezing
// (no renewals) or losing its connection; a key stolen behind the leader's back. Exactly one leads at a
// time, every new leadership has a larger fencing token, and a deposed leader's confirm() says no.
import type { Redis } from "ioredis";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LeaderLease, NotLeaderError } from "../../src/leader/lease.js";
import { createRedisConnection } from "../../src/queue/connection.js";
import { startTestRedis, type TestRedis } from "../helpers/redis.js";

const log = pino({ level: "silent" });
let redis: TestRedis;
const conns: Redis[] = [];
let seq = 0;

beforeAll(async () => {
  redis = await startTestRedis();
});
afterAll(async () => {
  for (const c of conns) c.disconnect();
  await redis.cleanup();
});

function conn(): Redis {
  const c = createRedisConnection(redis.url, "producer", { commandTimeoutMs: 500 });
  c.on("error", () => undefined);
  conns.push(c);
  return c;
}

function candidates(ttlMs: number) {
  const role = `role-${++seq}`;
  const events: string[] = [];
  const make = (name: string, c = conn()) => new LeaderLease({
    redis: c, role, ttlMs, instance: name, log,
    onElected: (t) => { events.push(`${name}+${t}`); },
    onDemoted: () => { events.push(`${name}-`); },
  });
  return { role, events, make };
}

async function waitFor(cond: () => boolean | Promise<boolean>, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function ready(c: Redis): Promise<void> {
  await waitFor(() => c.status === "ready");
}

describe("LeaderLease", () => {
  it("one of two candidates leads; a graceful stop hands over at once with a larger token", async () => {
    const { events, make } = candidates(60_000);
    const a = make("a");
    const b = make("b");
    await Promise.all(conns.slice(-2).map(ready));
    await a.tick();
    await b.tick();
    expect(a.leading).toBe(true);
    expect(b.leading).toBe(false);
    expect(await a.confirm()).toBe(true);
    expect(await b.confirm()).toBe(false);
    await expect(b.assertLeading()).rejects.toBeInstanceOf(NotLeaderError);
    const first = a.token!;
    await a.stop(); // releases: b need not wait out the 60 s lease
    await b.tick();
    expect(b.leading).toBe(true);
    expect(b.token).toBeGreaterThan(first);
    await b.settled();
    expect(events).toEqual([`a+${first}`, "a-", `b+${b.token}`]);
    await b.stop();
  });

  it("a leader that stops renewing (frozen, killed) is replaced after the TTL, and its confirm() then fails", async () => {
    const { make } = candidates(1500);
    const frozen = make("frozen");
    const follower = make("follower");
    await Promise.all(conns.slice(-2).map(ready));
    await frozen.tick(); // takes the lease, then never renews
    follower.start();
    const token = frozen.token!;
    await waitFor(() => follower.leading);
    expect(follower.token).toBeGreaterThan(token);
    // By its own clock the frozen leader's lease has run out before the follower could take it.
    expect(frozen.leading).toBe(false);
    expect(await frozen.confirm()).toBe(false);
    await follower.stop();
  });

  it("a leader cut off from Redis steps down by itself before a follower can take over", async () => {
    const { events, make } = candidates(1500);
    const cutConn = conn();
    const leader = make("leader", cutConn);
    const follower = make("follower");
    await Promise.all(conns.slice(-2).map(ready));
    leader.start();
    await waitFor(() => leader.leading);
    follower.start();
    await new Promise((r) => setTimeout(r, 2000)); // renewals keep it leader past one TTL
    expect(leader.leading).toBe(true);
    expect(follower.leading).toBe(false);
    cutConn.disconnect(); // the network to Redis is gone; commands fail
    await waitFor(() => follower.leading);
    expect(leader.leading).toBe(false);
    expect(await leader.confirm()).toBe(false);
    // Order: the old leader stepped down before the new one was elected.
    const down = events.indexOf("leader-");
    const up = events.findIndex((e) => e.startsWith("follower+"));
    expect(down).toBeGreaterThanOrEqual(0);
    expect(up).toBeGreaterThan(down);
    await leader.stop();
    await follower.stop();
  });

  it("a lease taken over behind the leader's back (key expired by hand) fails confirm() and is not renewed", async () => {
    const { role, make } = candidates(60_000);
    const a = make("a");
    const b = make("b");
    const admin = conn();
    await Promise.all(conns.slice(-3).map(ready));
    await a.tick();
    await admin.del(`keepwatch:leader:${role}`);
    await b.tick();
    expect(b.leading).toBe(true);
    expect(a.leading).toBe(true); // by its own clock: only a round trip can tell
    expect(await a.confirm()).toBe(false);
    await a.tick(); // the renewal fails: it steps down
    expect(a.leading).toBe(false);
    expect(await b.confirm()).toBe(true);
    await a.stop();
    await b.stop();
    expect(await admin.exists(`keepwatch:leader:${role}`)).toBe(0);
  });
});
