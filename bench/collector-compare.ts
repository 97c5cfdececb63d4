// Two checkouts' collectors side by side in ONE process, against one Redis and one PostgreSQL, alternating
// every few jobs: the fairest before/after for a change to the collector on a shared, busy machine, where
// whole benchmark runs minutes apart differ by ±25 % (bench/ingest-compare.ts alternates whole runs). Each
// turn queues `jobs` results jobs of 1,000 measurements (bench/ingest-measurement.ts) while the queue is
// paused, starts that checkout's Collector and PostgresStore (from its own src/, so its own codec), and charges
// the drain with this process's CPU plus the PostgreSQL cluster's and redis-server's (/proc), as
// bench/ingest-run.ts does. Start-up and closing are not charged. A checkout is a directory with this
// repository's files and node_modules (e.g. `git archive <commit> | tar -x -C DIR` and a symlink).
//   npx tsx bench/collector-compare.ts DIR_A DIR_B [turns per checkout] [jobs per turn]
import { join, resolve } from "node:path";
import { loadavg } from "node:os";
import { pathToFileURL } from "node:url";
import { Queue } from "bullmq";
import { pino } from "pino";
import { createRedisConnection, waitUntilReady } from "../src/queue/connection.js";
import { QUEUES } from "../src/queue/names.js";
import { ResultsProducer } from "../src/queue/results-producer.js";
import { startCluster } from "../tests/helpers/postgres.js";
import { startTestRedis } from "../tests/helpers/redis.js";
import { benchPostgresConf, createDatabase, postmasterPid } from "./ingest-postgres.js";
import { realisticMeasurement } from "./ingest-measurement.js";
import { ownCpuSeconds, startCpuMeter, treesCpu } from "./process-cpu.js";

interface Checkout {
  name: "A" | "B";
  // The checkout's own classes (typed loosely: two copies of the same source).
  Collector: new (o: Record<string, unknown>) => { waitUntilReady(): Promise<void>; close(): Promise<void>; counters(): { ingested: number } };
  store: { migrate(): Promise<void>; close(): Promise<void> };
  cpu: { collector: number; postgres: number; redis: number };
  measurements: number;
}

async function load(name: "A" | "B", dir: string, url: string): Promise<Checkout> {
  const { Collector } = await import(pathToFileURL(join(dir, "src/collector/collector.ts")).href);
  const { PostgresStore } = await import(pathToFileURL(join(dir, "src/store/postgres/store.ts")).href);
  return { name, Collector, store: new PostgresStore(url), cpu: { collector: 0, postgres: 0, redis: 0 }, measurements: 0 };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [dirA, dirB] = [resolve(process.argv[2]!), resolve(process.argv[3]!)];
  const turns = Number(process.argv[4] ?? 8);
  const jobs = Number(process.argv[5] ?? 4);
  const redis = await startTestRedis();
  const cluster = await startCluster({ durable: true, conf: benchPostgresConf() });
  const url = await createDatabase(cluster, `compare_${Date.now()}`);
  const conn = createRedisConnection(redis.url, "producer", { commandTimeoutMs: 120_000 });
  await waitUntilReady(conn);
  const producer = new ResultsProducer(conn);
  const queue = new Queue(QUEUES.results, { connection: conn });
  const checkouts = [await load("A", dirA, url), await load("B", dirB, url)];
  await checkouts[0]!.store.migrate();
  const meters = { collector: ownCpuSeconds, postgres: treesCpu(() => [postmasterPid(cluster)]), redis: treesCpu(() => [redis.pid()!]) };
  const base = Date.parse("2025-01-05T00:00:00Z");
  let next = 0;
  const us = (s: number, n: number) => Math.round((s / n) * 1e6);
  const loads: number[] = [];
  try {
    // Turn 0 of each is a warm-up (start-up and first compilation), not charged.
    for (let turn = 0; turn <= turns; turn++) {
      for (const c of turn % 2 === 0 ? checkouts : [...checkouts].reverse()) {
        await queue.pause();
        const n = jobs * 1000;
        const batch = Array.from({ length: n }, (_, i) => realisticMeasurement(next + i, base));
        next += n;
        for (let i = 0; i < n; i += 10_000) await producer.add(batch.slice(i, i + 10_000));
        batch.length = 0;
        let stored = 0;
        let drained!: () => void;
        const done = new Promise<void>((r) => { drained = r; });
        const onBatch = (b: { inserted: number; duplicates: number; invalid: number }) => {
          stored += b.inserted + b.duplicates + b.invalid;
          if (stored >= n) drained();
        };
        const collector = new c.Collector({ redis: redis.url, store: c.store, concurrency: 2, logger: pino({ level: "warn" }),
          retryFailedOnStart: false, onBatch });
        await collector.waitUntilReady();
        const meter = startCpuMeter(meters);
        await queue.resume();
        await done;
        const used = meter();
        await collector.close();
        if (collector.counters().ingested !== n) throw new Error(`${c.name}: stored ${collector.counters().ingested} of ${n}`);
        console.log(`turn ${turn} ${c.name}: collector ${us(used.collector, n)} µs, postgres ${us(used.postgres, n)} µs, ` +
          `redis ${us(used.redis, n)} µs per measurement${turn === 0 ? " (warm-up, not counted)" : ""}, load ${loadavg()[0]!.toFixed(1)}`);
        if (turn > 0) {
          c.cpu.collector += used.collector; c.cpu.postgres += used.postgres; c.cpu.redis += used.redis;
          c.measurements += n;
          loads.push(loadavg()[0]!);
        }
      }
    }
  } finally {
    await producer.close();
    await queue.close();
    conn.disconnect();
    for (const c of checkouts) await c.store.close();
    await redis.cleanup();
    cluster.stop();
  }
  console.log(`A=${dirA}\nB=${dirB}\n${turns} turns of ${jobs} jobs (1,000 measurements each) per checkout, alternating; ` +
    `load ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}`);
  console.log("checkout  collector µs  postgres µs  redis µs  total µs  (CPU per measurement)");
  const rows = checkouts.map((c) => {
    const t = { collector: us(c.cpu.collector, c.measurements), postgres: us(c.cpu.postgres, c.measurements), redis: us(c.cpu.redis, c.measurements) };
    const total = t.collector + t.postgres + t.redis;
    console.log(`${c.name.padEnd(9)} ${String(t.collector).padEnd(13)} ${String(t.postgres).padEnd(12)} ${String(t.redis).padEnd(9)} ${total}`);
    return { ...t, total };
  });
  console.log(`B/A: collector ${(rows[1]!.collector / rows[0]!.collector).toFixed(2)}, total ${(rows[1]!.total / rows[0]!.total).toFixed(2)}`);
}
