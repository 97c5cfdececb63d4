import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { Readiness, type ReadinessBounds } from "../../../src/health/readiness.js";
import { createRedisConnection, waitUntilReady } from "../../../src/queue/connection.js";
import { QUEUES } from "../../../src/queue/names.js";
import { ResultsBacklog } from "../../../src/queue/results-backlog.js";
import { ResultsProducer } from "../../../src/queue/results-producer.js";
import { fixtureMeasurement } from "../../fixtures/measurement.js";
import { startTestRedis, type TestRedis } from "../../helpers/redis.js";
import { holdWriteLock } from "../../helpers/sqlite-lock.js";
import { SqliteStore } from "../../../src/store/sqlite.js";
import { createHarness, type Harness } from "../harness.js";

interface ReadyBody {
  status: string;
  components: {
    redis?: { status: string };
    store: { status: string };
    resultsBacklog?: { status: string; jobs: number | null; oldestAgeSeconds: number | null };
  };
}

describe("health endpoints (store only)", () => {
  let h: Harness;
  beforeEach(async () => { h = await createHarness(); });
  afterEach(async () => h.close());

  it("/livez and /healthz answer ok without touching the store; /readyz says the store is down once it is", async () => {
    for (const path of ["/livez", "/healthz"]) {
      const res = await h.request(path);
      expect(res.status).toBe(200);
      expect(res.headers.get("cache-control")).toBe("no-store");
      expect(await res.json()).toEqual({ status: "ok" });
    }
    expect((await h.request("/readyz")).status).toBe(200);
    await h.store.close();
    expect((await h.request("/livez")).status).toBe(200);
    expect((await h.request("/healthz")).status).toBe(200);
    const ready = await h.request("/readyz");
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as ReadyBody).components.store.status).toBe("down");
  });

  it("a store write-locked by another process is reported locked, stays ready, and API reads still answer", async () => {
    const lock = await holdWriteLock(h.dbPath);
    try {
      const ready = await h.request("/readyz");
      expect(ready.status).toBe(200);
      expect(((await ready.json()) as ReadyBody).components.store.status).toBe("locked");
      expect((await h.request("/api/v1/probes")).status).toBe(200);
    } finally {
      await lock.release();
    }
    expect(((await (await h.request("/readyz")).json()) as ReadyBody).components.store.status).toBe("up");
  });

  it("a write the lock outlasts answers 503 with Retry-After, not 500, and nothing waits synchronously", async () => {
    const impatient = new SqliteStore(h.dbPath, { busyWaitMs: 50 });
    const h2 = await createHarness({ store: impatient, adminToken: "plain-admin" });
    const lock = await holdWriteLock(h.dbPath);
    try {
      const res = await h2.request("/api/v1/admin/probes/probe-47/tokens", {
        method: "POST", headers: { Authorization: "Bearer plain-admin" },
      });
      expect(res.status).toBe(503);
      expect(res.headers.get("retry-after")).toBe("5");
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("unavailable");
    } finally {
      await lock.release();
      await impatient.close();
      await h2.close();
    }
  });

  it("OpenAPI lists the health endpoints", async () => {
    const doc = (await (await h.request("/api/v1/openapi.json")).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(["/livez", "/healthz", "/readyz"]));
  });
});

describe("GET /readyz with Redis and the results backlog", () => {
  let redis: TestRedis;
  let conn: Redis;
  let queue: Queue;
  let h: Harness;
  const bounds: ReadinessBounds = { maxBacklogJobs: 3, maxBacklogAgeSeconds: 3600, checkTimeoutMs: 500 };

  beforeAll(async () => { redis = await startTestRedis(); });
  afterAll(async () => { await redis.cleanup(); });
  beforeEach(async () => {
    conn = createRedisConnection(redis.url, "producer");
    await waitUntilReady(conn);
    await conn.flushall();
    queue = new Queue(QUEUES.results, { connection: conn });
    // The store is the harness's own, reached once the harness exists.
    const store = { health: () => h.store.health() };
    h = await createHarness({ readiness: new Readiness({ ping: () => conn.ping(), store, backlog: new ResultsBacklog(queue) }, bounds) });
  });
  afterEach(async () => {
    await h.close();
    await queue.close();
    conn.disconnect();
  });

  async function ready(): Promise<{ status: number; body: ReadyBody }> {
    const res = await h.request("/readyz");
    return { status: res.status, body: (await res.json()) as ReadyBody };
  }

  it("is ready with Redis up, then 503 with redis: down once redis-server is killed, while /livez stays 200", async () => {
    const up = await ready();
    expect(up.status).toBe(200);
    expect(up.body.components.redis?.status).toBe("up");
    expect(up.body.components.resultsBacklog).toMatchObject({ status: "ok", jobs: 0, oldestAgeSeconds: 0 });
    await redis.stop();
    try {
      const down = await ready();
      expect(down.status).toBe(503);
      expect(down.body.status).toBe("not_ready");
      expect(down.body.components.redis?.status).toBe("down");
      expect(down.body.components.resultsBacklog?.status).toBe("unknown");
      expect((await h.request("/livez")).status).toBe(200);
      expect((await h.request("/healthz")).status).toBe(200);
    } finally {
      await redis.restart();
    }
    await waitUntilReady(conn).catch(() => undefined);
  });

  it("reports the backlog and answers 503 once it is beyond the configured bound", async () => {
    const producer = new ResultsProducer(conn, { batchSize: 10 });
    try {
      await producer.add(Array.from({ length: 30 }, () => fixtureMeasurement()));
      const within = await ready();
      expect(within.status).toBe(200);
      expect(within.body.components.resultsBacklog).toMatchObject({ status: "ok", jobs: 3 });
      await producer.add(Array.from({ length: 10 }, () => fixtureMeasurement()));
      const over = await ready();
      expect(over.status).toBe(503);
      expect(over.body.components.resultsBacklog).toMatchObject({ status: "over", jobs: 4 });
    } finally {
      await producer.close();
    }
  });
});
