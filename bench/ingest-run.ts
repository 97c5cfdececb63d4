// Ingest benchmark: fills the "results" queue on a real redis-server (AOF, fsync always) with realistic
// Measurements, then times Collectors (in this process, or N child processes sharing the store) draining
// them into a real SQLite file or a real PostgreSQL (a private cluster, fsync on, synchronous_commit on:
// benchPostgresConf). bench/ingest-matrix.ts runs both stores with one
// and two collectors side by side. Every run charges the ingest with ALL the CPU it costs, sampled from /proc
// around the drain: the collector process(es), the PostgreSQL cluster (postmaster and every backend, incl.
// those that exit) and redis-server. On a 2-core machine they share the cores, so the rate on C cores is
// projected as C / (CPU seconds per measurement): the figure a busy or small machine distorts least.
// Each collector first drains a warm-up (2,000 measurements by default) that is not measured: start-up and
// first compilation are not an ingest's cost, and two fresh processes would otherwise pay them twice.
// One run: benchIngest. The command line is bench/ingest.ts.
// KW_BENCH_CPU_PROFILE=FILE.cpuprofile profiles the drain of an in-process (one collector) run only, not the
// set-up: summarise it with /work/tools/prof.mjs or open it in Chrome's DevTools.
// One collector runs in this process unless KW_BENCH_CHILD_COLLECTORS=1 (then in a child, like two do).
// In-process runs use this process's heap flags: NODE_OPTIONS=--max-semi-space-size=64 as in production.
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import type { ChildProcess } from "node:child_process";
import { Queue } from "bullmq";
import { pino } from "pino";
import { Collector } from "../src/collector/collector.js";
import { createRedisConnection, waitUntilReady } from "../src/queue/connection.js";
import { QUEUES } from "../src/queue/names.js";
import { ResultsProducer } from "../src/queue/results-producer.js";
import type { Measurement } from "../src/measurement.js";
import { startCluster, type TestPostgres } from "../tests/helpers/postgres.js";
import { startTestRedis } from "../tests/helpers/redis.js";
import { benchPostgresConf, createDatabase, postgresBytes, postmasterPid } from "./ingest-postgres.js";
import { nextMessage, openBenchStore, spawnCollector, type ChildMessage } from "./ingest-child.js";
import { realisticMeasurement } from "./ingest-measurement.js";
import { startDrainProfile } from "./drain-profile.js";
import { ownCpuSeconds, startCpuMeter, treesCpu } from "./process-cpu.js";

/** Where an ingest's CPU goes; postgres is 0 on SQLite (the store runs inside the collector). */
export { benchPostgresConf };

export interface CpuByComponent {
  collectors: number;
  postgres: number;
  redis: number;
}

/** Cores the projection is given for. */
export const PROJECTED_CORES = [2, 4, 8] as const;

export interface IngestFigures {
  store: "sqlite" | "postgres";
  /** Everything the store keeps on disk (tables, indexes, rollups, SQLite's WAL) per stored measurement. */
  bytesPerMeasurement: number;
  /** Measurements stored per second while the collector drained the queue (wall clock, this machine). */
  perSecond: number;
  /** Measurements in the measured drain (after `warmup` more drained first, not counted). */
  count: number;
  warmup: number;
  collectors: number;
  drainSeconds: number;
  /** Producer side: measurements accepted by Redis per second. */
  enqueuePerSecond: number;
  jobs: number;
  meanJsonBytes: number;
  /** Main database file and its write-ahead log (not yet checkpointed back) after the drain. */
  sqliteBytes: number;
  walBytes: number;
  concurrency: number;
  /** CPU seconds (user+system) each component spent during the drain. */
  cpuSeconds: CpuByComponent;
  /** CPU µs per stored measurement, by component and in total. */
  cpuMicrosPerMeasurement: CpuByComponent & { total: number };
  /** Measurements per CPU second of the collector process(es) alone (the figure earlier runs reported). */
  perCpuSecond: number;
  /** C / total CPU seconds per measurement, for C in PROJECTED_CORES: the rate if the cores did only this. */
  projectedPerSecond: Record<string, number>;
  /** 1-minute load average when the drain ended (this machine is shared; high load = lower perSecond). */
  loadAverage: number;
}

export interface IngestOptions {
  count?: number;
  /** Collector processes draining the queue into the same store (1 = in this process). */
  collectors?: number;
  /** Jobs in flight per collector. */
  concurrency?: number;
  store?: "sqlite" | "postgres";
  /** Measurements drained before the measured ones (default 2,000 per collector): not counted. */
  warmup?: number;
  /** A running cluster to create the database in (the matrix shares one); started when absent. */
  cluster?: TestPostgres;
}

function perMeasurement(cpu: CpuByComponent, count: number): CpuByComponent & { total: number } {
  const us = (s: number) => Math.round((s / count) * 1e6);
  return { collectors: us(cpu.collectors), postgres: us(cpu.postgres), redis: us(cpu.redis),
    total: us(cpu.collectors + cpu.postgres + cpu.redis) };
}

export async function benchIngest(opts: IngestOptions = {}): Promise<IngestFigures> {
  const count = opts.count ?? 50_000;
  const concurrency = opts.concurrency ?? 2;
  const collectors = opts.collectors ?? 1;
  const warmup = opts.warmup ?? Math.min(2_000, count) * collectors;
  const kind = opts.store ?? "sqlite";
  const redis = await startTestRedis();
  const dir = mkdtempSync(join(tmpdir(), "kw-bench-ingest-"));
  const ownCluster = kind === "postgres" && !opts.cluster ? await startCluster({ durable: true, conf: benchPostgresConf() }) : null;
  const cluster = opts.cluster ?? ownCluster;
  // dbPath: the store spec the collectors open (a file, or a URL).
  const dbPath = kind === "postgres" ? await createDatabase(cluster!, `ingest_${collectors}_${Date.now()}`) : join(dir, "keepwatch.sqlite");
  const store = openBenchStore(dbPath);
  await store.migrate();
  const conn = createRedisConnection(redis.url, "producer", { commandTimeoutMs: 120_000 }); // a loaded machine answers slowly
  const children: ChildProcess[] = [];
  try {
    await waitUntilReady(conn);
    const producer = new ResultsProducer(conn);
    const queue = new Queue(QUEUES.results, { connection: conn });
    const base = Date.parse("2025-01-05T00:00:00Z");
    // Warm-up measurements come after the measured ones in time (distinct ids and times, same shape).
    const warm = Array.from({ length: warmup }, (_, i) => realisticMeasurement(count + i, base));
    const enqueue = async (ms: Measurement[]) => {
      let n = 0;
      for (let i = 0; i < ms.length; i += 10_000) n += (await producer.add(ms.slice(i, i + 10_000))).length;
      return n;
    };
    let jobs = await enqueue(warm);

    let stored = 0;
    const waiters: { n: number; resolve: () => void }[] = [];
    const storedAtLeast = (n: number) => new Promise<void>((resolve) => {
      if (stored >= n) resolve(); else waiters.push({ n, resolve });
    });
    const onStored = (n: number) => {
      stored += n;
      for (const w of waiters.filter((x) => stored >= x.n)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(); }
    };
    const serverMeters = {
      postgres: kind === "postgres" ? treesCpu(() => [postmasterPid(cluster!)]) : () => 0,
      redis: treesCpu(() => [redis.pid()!]),
    };
    let collector: Collector | null = null;
    let collectorMeter: () => number;
    if (collectors === 1 && !process.env.KW_BENCH_CHILD_COLLECTORS) {
      collector = new Collector({
        redis: redis.url, store, concurrency, logger: pino({ level: "warn" }),
        onBatch: (b) => onStored(b.inserted + b.duplicates + b.invalid),
      });
      collectorMeter = ownCpuSeconds;
    } else {
      for (let i = 0; i < collectors; i++) children.push(spawnCollector(redis.url, dbPath, concurrency));
      await Promise.all(children.map((c) => nextMessage(c, "ready")));
      for (const c of children) c.on("message", (m: ChildMessage) => { if (m.type === "batch") onStored(m.stored); });
      for (const c of children) c.send("go");
      collectorMeter = treesCpu(() => children.map((c) => c.pid!));
    }
    // Start-up and first compilation are not an ingest's cost (a collector runs for days): the collectors
    // drain the warm-up first; the measured batch is queued while the queue is paused, then released.
    await storedAtLeast(warmup);
    await queue.pause();
    const all = Array.from({ length: count }, (_, i) => realisticMeasurement(i, base));
    const meanJsonBytes = Math.round(all.slice(0, 1000).reduce((n, m) => n + JSON.stringify(m).length, 0) / Math.min(1000, count));
    const t0 = performance.now();
    jobs += await enqueue(all);
    const enqueueSeconds = (performance.now() - t0) / 1000;
    all.length = 0; // the in-process collector's heap should not carry the producer's copies

    const profile = collector ? await startDrainProfile(process.env.KW_BENCH_CPU_PROFILE) : async () => {};
    const meter = startCpuMeter({ ...serverMeters, collectors: collectorMeter });
    const t1 = performance.now();
    await queue.resume();
    await storedAtLeast(warmup + count);
    const drainSeconds = (performance.now() - t1) / 1000;
    const cpuSeconds: CpuByComponent = meter();
    await profile();
    await producer.close();
    await queue.close();
    let ingested: number;
    if (collector) {
      await collector.close();
      ingested = collector.counters().ingested;
    } else {
      const closed = await Promise.all(children.map((c) => { const m = nextMessage(c, "closed"); c.send("close"); return m; }));
      ingested = closed.reduce((n, m) => n + (m.type === "closed" ? m.ingested : 0), 0);
    }
    const total = count + warmup;
    if (ingested !== total) throw new Error(`stored ${ingested} of ${total}`);
    const rows = (await store.measurementFacts({})).length;
    if (rows !== total) throw new Error(`${rows} rows in the store, expected ${total}`);
    const sqliteBytes = kind === "sqlite" ? statSync(dbPath).size : 0;
    const walBytes = kind === "sqlite" ? statSync(`${dbPath}-wal`, { throwIfNoEntry: false })?.size ?? 0 : 0;
    const storeBytes = kind === "sqlite" ? sqliteBytes + walBytes : await postgresBytes(dbPath);
    const perUnit = perMeasurement(cpuSeconds, count);
    const totalCpu = cpuSeconds.collectors + cpuSeconds.postgres + cpuSeconds.redis;
    return {
      store: kind,
      bytesPerMeasurement: Math.round(storeBytes / total),
      perSecond: Math.round(count / drainSeconds),
      count,
      warmup,
      collectors,
      drainSeconds: Number(drainSeconds.toFixed(2)),
      enqueuePerSecond: Math.round(count / enqueueSeconds),
      jobs,
      meanJsonBytes,
      sqliteBytes,
      walBytes,
      concurrency,
      cpuSeconds: { collectors: Number(cpuSeconds.collectors.toFixed(2)), postgres: Number(cpuSeconds.postgres.toFixed(2)),
        redis: Number(cpuSeconds.redis.toFixed(2)) },
      cpuMicrosPerMeasurement: perUnit,
      perCpuSecond: Math.round(count / cpuSeconds.collectors),
      projectedPerSecond: Object.fromEntries(PROJECTED_CORES.map((c) => [String(c), Math.round((c * count) / totalCpu)])),
      loadAverage: Number(loadavg()[0]!.toFixed(2)),
    };
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill();
    conn.disconnect();
    await store.close();
    await redis.cleanup();
    if (ownCluster) {
      ownCluster.stop();
      rmSync(ownCluster.dir, { recursive: true, force: true });
    }
    rmSync(dir, { recursive: true, force: true });
  }
}
