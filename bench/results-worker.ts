// CPU of moving results jobs through BullMQ: BullMQ's own Worker against ResultsWorker (src/queue/results-worker.ts,
// no next job fetched in the completing call), in one process, alternating turns so load changes hit both alike.
// Each turn queues 8 jobs of 1,000 probe-shaped measurements (≈ 2.4 MB each) on a real redis-server and times
// this process's CPU (user + system) while a worker with concurrency 2 takes them; the handler only counts,
// so what is measured is fetching, parsing and completing jobs.
//   npx tsx bench/results-worker.ts [turns]
import { pathToFileURL } from "node:url";
import { Queue, Worker } from "bullmq";
import { createRedisConnection, waitUntilReady } from "../src/queue/connection.js";
import { ResultsWorker } from "../src/queue/results-worker.js";
import { startTestRedis } from "../tests/helpers/redis.js";
import { realisticMeasurement } from "./ingest-measurement.js";

const JOBS_PER_TURN = 8;

export async function benchResultsWorker(turns = 12): Promise<Record<"Worker" | "ResultsWorker", number>> {
  const redis = await startTestRedis();
  const conn = createRedisConnection(redis.url, "producer", { commandTimeoutMs: 60_000 });
  const queue = new Queue("bench-results-worker", { connection: conn });
  try {
    await waitUntilReady(conn);
    const data = { measurements: Array.from({ length: 1000 }, (_, i) => realisticMeasurement(i, Date.parse("2025-01-05T00:00:00Z"))) };
    const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
    const total = { Worker: 0, ResultsWorker: 0 };
    const kinds: ["Worker" | "ResultsWorker", typeof Worker][] = [["Worker", Worker], ["ResultsWorker", ResultsWorker as typeof Worker]];
    let id = 0;
    for (let turn = 0; turn <= turns; turn++) {
      for (const [name, W] of turn % 2 ? kinds : [...kinds].reverse()) {
        await queue.pause();
        await queue.addBulk(Array.from({ length: JOBS_PER_TURN }, () => ({ name: "batch", data, opts: { jobId: `j${id++}`, removeOnComplete: { count: 100 } } })));
        let n = 0;
        let done!: () => void;
        const finished = new Promise<void>((r) => { done = r; });
        const connection = createRedisConnection(redis.url, "worker");
        const worker = new W(queue.name, async (job) => {
          if (++n === JOBS_PER_TURN) setImmediate(done);
          return { measurements: (job.data as typeof data).measurements.length };
        }, { connection, concurrency: 2 });
        await worker.waitUntilReady();
        const t0 = cpuMs();
        await queue.resume();
        await finished;
        const used = cpuMs() - t0;
        await worker.close();
        connection.disconnect(); // a connection given to BullMQ stays the giver's to close
        if (turn > 0) total[name] += used; // turn 0 warms up
      }
    }
    return { Worker: total.Worker / (turns * JOBS_PER_TURN), ResultsWorker: total.ResultsWorker / (turns * JOBS_PER_TURN) };
  } finally {
    await queue.close();
    conn.disconnect();
    await redis.cleanup();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const r = await benchResultsWorker(Number(process.argv[2] ?? 12));
  console.log(`CPU ms per job of 1,000 measurements: BullMQ Worker ${r.Worker.toFixed(1)}, ResultsWorker ${r.ResultsWorker.toFixed(1)} ` +
    `(${((1 - r.ResultsWorker / r.Worker) * 100).toFixed(0)} % less)`);
}
