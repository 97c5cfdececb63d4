// ResultsWorker: BullMQ's Worker without the next job fetched in the completing call (see its file comment).
// Run against a real Redis: every job still completes or fails in order, with large payloads, at concurrency
// 1 and 2, and no completion or failure asks Redis for the next job's payload.
import { Job, Queue, Worker } from "bullmq";
import type { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { createRedisConnection, waitUntilReady } from "../../src/queue/connection.js";
import { ResultsWorker } from "../../src/queue/results-worker.js";
import { startTestRedis, type TestRedis } from "../helpers/redis.js";
import { waitFor } from "../collector/wait-for.js";

let redis: TestRedis;
let conn: Redis;
let queue: Queue;
const workers: Worker[] = [];
const connections: Redis[] = [];

beforeAll(async () => { redis = await startTestRedis(); });
afterAll(async () => { await redis.cleanup(); });
beforeEach(async () => {
  conn = createRedisConnection(redis.url, "producer");
  await waitUntilReady(conn);
  await conn.flushall();
  queue = new Queue("rw-test", { connection: conn });
});
afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(workers.splice(0).map((w) => w.close(true)));
  for (const c of connections.splice(0)) c.disconnect();
  await queue.close();
  conn.disconnect();
});

/** fetchNext argument of every moveToCompleted / moveToFailed call, while still calling BullMQ's own. */
function recordFetchNext(): boolean[] {
  const seen: boolean[] = [];
  const completed = Job.prototype.moveToCompleted;
  const failed = Job.prototype.moveToFailed;
  vi.spyOn(Job.prototype, "moveToCompleted").mockImplementation(function (this: Job, ...args: Parameters<Job["moveToCompleted"]>) {
    seen.push(args[2] ?? true);
    return completed.apply(this, args);
  });
  vi.spyOn(Job.prototype, "moveToFailed").mockImplementation(function (this: Job, ...args: Parameters<Job["moveToFailed"]>) {
    seen.push(args[2] ?? false);
    return failed.apply(this, args);
  });
  return seen;
}

async function drain(W: typeof Worker, concurrency: number): Promise<{ done: string[]; failed: number; fetchNext: boolean[] }> {
  const fetchNext = recordFetchNext();
  const payload = "x".repeat(200_000);
  await queue.addBulk(Array.from({ length: 8 }, (_, i) => ({ name: "j", data: { i, payload }, opts: { jobId: `j${i}`, attempts: 1 } })));
  const done: string[] = [];
  const workerConn = createRedisConnection(redis.url, "worker");
  connections.push(workerConn);
  const w = new W("rw-test", async (job: Job) => {
    if (job.data.i === 3) throw new Error("bad job");
    done.push(job.id!);
    return { n: job.data.i };
  }, { connection: workerConn, concurrency });
  workers.push(w);
  await waitFor(async () => {
    const c = await queue.getJobCounts("completed", "failed");
    return c.completed === 7 && c.failed === 1;
  }, "every job finished");
  return { done, failed: (await queue.getJobCounts("failed")).failed ?? 0, fetchNext };
}

describe("ResultsWorker", () => {
  for (const concurrency of [1, 2]) {
    it(`finishes every job at concurrency ${concurrency} without fetching the next one while completing`, async () => {
      const { done, failed, fetchNext } = await drain(ResultsWorker as typeof Worker, concurrency);
      expect(done.sort()).toEqual(["j0", "j1", "j2", "j4", "j5", "j6", "j7"]);
      expect(failed).toBe(1);
      expect((await Job.fromId(queue, "j5"))?.returnvalue).toEqual({ n: 5 });
      expect(fetchNext.length).toBe(8);
      expect(fetchNext.every((f) => f === false)).toBe(true);
    });
  }

  it("(control) BullMQ's own Worker does fetch the next job while completing, so the check above can fail", async () => {
    const { fetchNext } = await drain(Worker, 1);
    expect(fetchNext.some((f) => f === true)).toBe(true);
  });
});
