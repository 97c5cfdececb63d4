// Redis URLs as an operator writes them (and gets them wrong), and a Sentinel-backed Redis as BullMQ uses
// it: a real master, replica and `redis-server --sentinel` on loopback, a queue and a worker connected
// through the sentinel URL, and a forced failover in the middle — no job lost, none run twice.
import { Queue, Worker } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRedisConnection } from "../../src/queue/connection.js";
import { parseRedisUrl, redactRedisUrl, RedisUrlError } from "../../src/queue/redis-url.js";
import { startTestSentinel, type TestSentinel } from "../helpers/sentinel.js";

describe("parseRedisUrl", () => {
  it("passes redis:// and rediss:// through to ioredis", () => {
    expect(parseRedisUrl("redis://:pw@10.0.0.1:6379/2")).toEqual({ kind: "url", url: "redis://:pw@10.0.0.1:6379/2" });
    expect(parseRedisUrl("rediss://cache:6380").kind).toBe("url");
  });

  it("reads sentinels, master name, credentials and options from a redis-sentinel:// URL", () => {
    expect(parseRedisUrl("redis-sentinel://s1:26379,s2,[::1]:26380/mymaster")).toMatchObject({
      kind: "sentinel",
      options: { name: "mymaster", failoverDetector: true, sentinels: [{ host: "s1", port: 26379 }, { host: "s2", port: 26379 }, { host: "::1", port: 26380 }] },
    });
    const t = parseRedisUrl("redis-sentinel://kw:p%40ss@s1:1/m?db=3&sentinelPassword=sp&tls=true");
    expect(t).toMatchObject({
      kind: "sentinel",
      options: { username: "kw", password: "p@ss", db: 3, sentinelPassword: "sp", tls: {}, enableTLSForSentinelMode: true },
    });
  });

  it("refuses what would silently connect somewhere else", () => {
    for (const bad of [
      "http://redis:6379", "redis:6379", "", "redis-sentinel://s1:26379", "redis-sentinel://s1:99999/m",
      "redis-sentinel://s1/m?database=1", "redis-sentinel://s1/m?db=x", "redis-sentinel://s 1/m", "redis-sentinel://s1/m?tls=yes",
    ]) expect(() => parseRedisUrl(bad), bad).toThrow(RedisUrlError);
    expect(() => createRedisConnection("memcached://x", "worker")).toThrow(/redis-sentinel:\/\//);
  });

  it("redacts passwords for logs", () => {
    expect(redactRedisUrl("redis-sentinel://kw:secret@s1/m")).toBe("redis-sentinel://kw:***@s1/m");
    expect(redactRedisUrl("redis://:secret@h:1")).toBe("redis://:***@h:1");
    expect(redactRedisUrl("redis://h:1")).toBe("redis://h:1");
  });
});

describe("Redis through Sentinel", () => {
  let sentinel: TestSentinel;
  beforeAll(async () => {
    sentinel = await startTestSentinel();
  }, 120_000);
  afterAll(async () => {
    await sentinel?.cleanup();
  });

  it("BullMQ queues and workers reach the master by the sentinel URL and follow a failover", async () => {
    const queueConn = createRedisConnection(sentinel.url, "worker");
    const workerConn = createRedisConnection(sentinel.url, "worker");
    const queue = new Queue("sentinel-test", { connection: queueConn });
    const seen: string[] = [];
    const worker = new Worker("sentinel-test", async (job) => { seen.push(job.id!); }, { connection: workerConn, concurrency: 4 });
    worker.on("error", () => undefined); // connection resets during the failover
    try {
      // Connected to the master the sentinel named (not the replica, which would refuse writes).
      const info = await queueConn.info("server");
      expect(Number(/tcp_port:(\d+)/.exec(info)?.[1])).toBe(await sentinel.masterPort());

      for (let i = 0; i < 20; i++) await queue.add("j", { i }, { jobId: `before-${i}` });
      await waitFor(() => seen.length >= 20);
      const newMaster = await sentinel.failover();
      expect(newMaster).toBe(sentinel.ports.replica);
      // Both connections follow the switch by themselves (the sentinels announce it).
      const portOf = async (c: typeof queueConn) => Number(/tcp_port:(\d+)/.exec(await c.info("server"))?.[1]);
      await waitForAsync(async () => (await portOf(queueConn)) === newMaster && (await portOf(workerConn)) === newMaster);
      // Producers wait out the switch (worker connections queue commands) and land on the new master.
      for (let i = 0; i < 20; i++) await queue.add("j", { i }, { jobId: `after-${i}` });
      await waitFor(() => seen.length >= 40);
      expect(Number(/tcp_port:(\d+)/.exec(await queueConn.info("server"))?.[1])).toBe(newMaster);
      expect([...new Set(seen)].sort()).toHaveLength(40);
      expect(seen).toHaveLength(40);
    } finally {
      await worker.close();
      await queue.close();
      queueConn.disconnect();
      workerConn.disconnect();
    }
  }, 120_000);
});

async function waitForAsync(cond: () => Promise<boolean>, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond().catch(() => false))) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function waitFor(cond: () => boolean, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 50));
  }
}
