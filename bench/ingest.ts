// Ingest benchmark: fills the "results" queue on a real redis-server (AOF, fsync always) with realistic
// Measurements, then times Collectors (in this process, or N child processes sharing the store) draining
// them into a real SQLite file or a real PostgreSQL (a private cluster, fsync on, synchronous_commit off:
// the durability SQLite's WAL + synchronous=NORMAL gives). benchIngestMatrix runs both stores with one and
// two collectors side by side.
//   npx tsx bench/ingest.ts [count] [collector processes] [jobs in flight per collector] [sqlite|postgres|both]
// In-process runs use this process's heap flags: NODE_OPTIONS=--max-semi-space-size=64 as in production.
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { fork, type ChildProcess } from "node:child_process";
import { pino } from "pino";
import { Collector } from "../src/collector/collector.js";
import type { Measurement } from "../src/measurement.js";
import { createRedisConnection, waitUntilReady } from "../src/queue/connection.js";
import { ResultsProducer } from "../src/queue/results-producer.js";
import { PostgresStore } from "../src/store/postgres/store.js";
import { SqliteStore } from "../src/store/sqlite.js";
import type { Store } from "../src/store/store.js";
import { startCluster, type TestPostgres } from "../tests/helpers/postgres.js";
import { startTestRedis } from "../tests/helpers/redis.js";
import pg from "pg";

export interface IngestFigures {
  store: "sqlite" | "postgres";
  /** Everything the store keeps on disk (tables, indexes, rollups, SQLite's WAL) per stored measurement. */
  bytesPerMeasurement: number;
  /** Measurements stored per second while the collector drained the queue. */
  perSecond: number;
  count: number;
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
  /** CPU seconds this process spent draining (user+system): the figure that survives a busy machine. */
  drainCpuSeconds: number;
  /** Measurements per CPU second of the collector process. */
  perCpuSecond: number;
  /** 1-minute load average when the drain ended (this machine is shared; high load = lower perSecond). */
  loadAverage: number;
}

const PROBES = ["kt-almaty-1", "kcell-aktau-1", "beeline-astana-2", "tele2-shymkent-1", "control-fra-1"];
const REGIONS = ["KZ-75", "KZ-47", "KZ-71", "KZ-79", "CONTROL"];
const SITES = Array.from({ length: 60 }, (_, i) => `https://site${i}.example.kz/`);

/** A full check as probes/web.ts produces it: DNS with answers, TCP, TLS with certificate, an HTTP hop. */
export function realisticMeasurement(i: number, base: number): Measurement {
  const p = i % PROBES.length;
  const url = SITES[i % SITES.length]!;
  const host = new URL(url).hostname;
  const ok = i % 10 !== 0;
  const addr = `198.18.${(i >> 8) & 255}.${i & 255}`;
  return {
    version: 1,
    id: randomUUID(),
    probe: { id: PROBES[p]!, role: p === 4 ? "control" : "region", software: "keepwatch/0.1.0" },
    region: REGIONS[p]!,
    network: { id: p === 1 ? "kcell-mobile" : "kt-fixed", asn: p === 1 ? 29355 : 9198, kind: p === 1 ? "mobile" : "fixed" },
    target: { url, list: i % 3 === 0 ? "non_whitelisted" : "whitelisted", category: i % 3 === 0 ? "news" : "gov" },
    startedAt: new Date(base + i * 250).toISOString(),
    check: {
      url,
      dns: [{ query: host, resolver: "198.18.0.53:53", transport: "udp", rcode: "NOERROR",
        answers: [{ name: host, type: "A", data: addr, ttl: 300 }], addresses: [addr], cnameChain: [], bogons: [],
        failure: null, time: 0.012 }],
      controlDns: { query: host, resolver: "198.18.1.53:53", transport: "udp", rcode: "NOERROR",
        answers: [{ name: host, type: "A", data: addr, ttl: 300 }], addresses: [addr], cnameChain: [], bogons: [],
        failure: null, time: 0.03 },
      tcp: [{ address: addr, port: 443, failure: ok ? null : "tcp_reset", connectTime: ok ? 0.021 : null }],
      tls: ok ? [{ address: addr, port: 443, serverName: host, alpn: "http/1.1", protocol: "TLSv1.3", failure: null,
        handshakeTime: 0.043, certificate: { subject: `CN=${host}`, issuer: "CN=KeepWatch Lab CA", validFrom: "2025-01-01T00:00:00Z",
          validTo: "2026-01-01T00:00:00Z", altNames: [host], fingerprint256: "AB:".repeat(31) + "AB" } }] : [],
      http: ok ? { url, finalUrl: url, status: 200, failure: null, blockPage: null, time: 0.18,
        hops: [{ url, address: addr, status: 200, headers: { "content-type": "text/html; charset=utf-8", server: "nginx" },
          bodyLength: 48213, bodySha256: "0".repeat(64), bodyTruncated: false, title: "Example site",
          failure: null, phases: { dns: 0.012, connect: 0.021, tls: 0.043, firstByte: 0.09, download: 0.05, total: 0.18 } }] } : null,
      time: 0.25,
    },
    verdict: { accessible: ok, blocking: ok ? null : "tcp", failure: ok ? null : "tcp_reset", determined: true },
    throughput: i % 20 === 0 ? { url, address: addr, bytes: 4_194_304, seconds: 2.1, bytesPerSecond: 1_997_287,
      firstByte: 0.08, capped: "bytes", failure: null } : null,
  };
}

export interface IngestOptions {
  count?: number;
  /** Collector processes draining the queue into the same SQLite file (1 = in this process). */
  collectors?: number;
  /** Jobs in flight per collector. */
  concurrency?: number;
  store?: "sqlite" | "postgres";
  /** A running cluster to create the database in (benchIngestMatrix shares one); started when absent. */
  cluster?: TestPostgres;
}

/** A store from a spec: a SQLite file path, or a postgres:// URL. */
function openBenchStore(spec: string): Store {
  return spec.startsWith("postgres://") ? new PostgresStore(spec) : new SqliteStore(spec);
}

/** Bytes of every table, index and TOAST table of the database. */
async function postgresBytes(url: string): Promise<number> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const { rows } = await c.query<{ n: string }>(`SELECT SUM(pg_total_relation_size(c.oid)) AS n FROM pg_class c
      JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'r'`);
    return Number(rows[0]!.n);
  } finally {
    await c.end();
  }
}

async function createDatabase(cluster: TestPostgres, name: string): Promise<string> {
  const c = new pg.Client({ connectionString: cluster.adminUrl });
  await c.connect();
  try {
    await c.query(`CREATE DATABASE ${name}`);
  } finally {
    await c.end();
  }
  return `postgres://postgres@127.0.0.1:${cluster.port}/${name}`;
}

type ChildMessage = { type: "ready" } | { type: "batch"; stored: number } | { type: "closed"; cpuSeconds: number; ingested: number };

/** One collector in a child process (this file with --collector), so processes can use both cores. */
function spawnCollector(redisUrl: string, dbPath: string, concurrency: number): ChildProcess {
  return fork(fileURLToPath(import.meta.url), ["--collector", redisUrl, dbPath, String(concurrency)], {
    // A larger young generation cuts scavenge GC (JSON parse + zod copies are short-lived): +25-35% measured.
    execArgv: ["--max-semi-space-size=64", "--import", "tsx"], stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
}

function nextMessage(child: ChildProcess, type: ChildMessage["type"]): Promise<ChildMessage> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: ChildMessage) => { if (m.type === type) { child.off("message", onMessage); resolve(m); } };
    child.on("message", onMessage);
    child.once("exit", (code) => reject(new Error(`collector process exited (${code})`)));
  });
}

export async function benchIngest(opts: IngestOptions = {}): Promise<IngestFigures> {
  const count = opts.count ?? 50_000;
  const concurrency = opts.concurrency ?? 2;
  const collectors = opts.collectors ?? 1;
  const kind = opts.store ?? "sqlite";
  const redis = await startTestRedis();
  const dir = mkdtempSync(join(tmpdir(), "kw-bench-ingest-"));
  const ownCluster = kind === "postgres" && !opts.cluster ? await startCluster({ durable: true }) : null;
  const cluster = opts.cluster ?? ownCluster;
  // dbPath: the store spec the collectors open (a file, or a URL).
  const dbPath = kind === "postgres" ? await createDatabase(cluster!, `ingest_${collectors}_${Date.now()}`) : join(dir, "keepwatch.sqlite");
  const store = openBenchStore(dbPath);
  await store.migrate();
  const conn = createRedisConnection(redis.url, "producer", { commandTimeoutMs: 120_000 }) // a loaded machine answers slowly;
  const children: ChildProcess[] = [];
  try {
    await waitUntilReady(conn);
    const producer = new ResultsProducer(conn);
    const base = Date.parse("2025-01-05T00:00:00Z");
    const all = Array.from({ length: count }, (_, i) => realisticMeasurement(i, base));
    const meanJsonBytes = Math.round(all.slice(0, 1000).reduce((n, m) => n + JSON.stringify(m).length, 0) / Math.min(1000, count));

    const t0 = performance.now();
    let jobs = 0;
    for (let i = 0; i < all.length; i += 10_000) jobs += (await producer.add(all.slice(i, i + 10_000))).length;
    const enqueueSeconds = (performance.now() - t0) / 1000;
    await producer.close();

    let done!: () => void;
    const drained = new Promise<void>((r) => { done = r; });
    let stored = 0;
    const onStored = (n: number) => { stored += n; if (stored >= count) done(); };
    let drainSeconds: number;
    let drainCpuSeconds: number;
    let ingested: number;
    if (collectors === 1) {
      const t1 = performance.now();
      const cpu0 = process.cpuUsage();
      const collector = new Collector({
        redis: redis.url, store, concurrency, logger: pino({ level: "warn" }),
        onBatch: (b) => onStored(b.inserted + b.duplicates + b.invalid),
      });
      await drained;
      drainSeconds = (performance.now() - t1) / 1000;
      const cpu = process.cpuUsage(cpu0);
      drainCpuSeconds = (cpu.user + cpu.system) / 1e6;
      await collector.close();
      ingested = collector.counters().ingested;
    } else {
      for (let i = 0; i < collectors; i++) children.push(spawnCollector(redis.url, dbPath, concurrency));
      await Promise.all(children.map((c) => nextMessage(c, "ready")));
      for (const c of children) c.on("message", (m: ChildMessage) => { if (m.type === "batch") onStored(m.stored); });
      const t1 = performance.now();
      for (const c of children) c.send("go");
      await drained;
      drainSeconds = (performance.now() - t1) / 1000;
      const closed = await Promise.all(children.map((c) => { const m = nextMessage(c, "closed"); c.send("close"); return m; }));
      drainCpuSeconds = closed.reduce((n, m) => n + (m.type === "closed" ? m.cpuSeconds : 0), 0);
      ingested = closed.reduce((n, m) => n + (m.type === "closed" ? m.ingested : 0), 0);
    }
    if (ingested !== count) throw new Error(`stored ${ingested} of ${count}`);
    const rows = (await store.measurementFacts({})).length;
    if (rows !== count) throw new Error(`${rows} rows in the store, expected ${count}`);
    const sqliteBytes = kind === "sqlite" ? statSync(dbPath).size : 0;
    const walBytes = kind === "sqlite" ? statSync(`${dbPath}-wal`, { throwIfNoEntry: false })?.size ?? 0 : 0;
    const storeBytes = kind === "sqlite" ? sqliteBytes + walBytes : await postgresBytes(dbPath);
    return {
      store: kind,
      bytesPerMeasurement: Math.round(storeBytes / count),
      perSecond: Math.round(count / drainSeconds),
      count,
      collectors,
      drainSeconds: Number(drainSeconds.toFixed(2)),
      enqueuePerSecond: Math.round(count / enqueueSeconds),
      jobs,
      meanJsonBytes,
      sqliteBytes,
      walBytes,
      concurrency,
      drainCpuSeconds: Number(drainCpuSeconds.toFixed(2)),
      perCpuSecond: Math.round(count / drainCpuSeconds),
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

/** SQLite and PostgreSQL, one and two collector processes each, in one run (one PostgreSQL cluster). */
export async function benchIngestMatrix(opts: { count?: number; concurrency?: number } = {}): Promise<{ runs: IngestFigures[]; table: string[] }> {
  const cluster = await startCluster({ durable: true });
  const runs: IngestFigures[] = [];
  try {
    for (const store of ["sqlite", "postgres"] as const) {
      for (const collectors of [1, 2]) {
        const f = await benchIngest({ ...opts, store, collectors, cluster });
        runs.push(f);
        console.log(`ingest ${store} x${collectors}: ${f.perSecond}/s, ${f.bytesPerMeasurement} B/measurement, load ${f.loadAverage}`);
      }
    }
  } finally {
    cluster.stop();
    rmSync(cluster.dir, { recursive: true, force: true });
  }
  const table = ["store       collectors  measurements/s  per CPU s  bytes/measurement  load",
    ...runs.map((r) => `${r.store.padEnd(11)} ${String(r.collectors).padEnd(11)} ${String(r.perSecond).padEnd(15)} ${String(r.perCpuSecond).padEnd(10)} ${String(r.bytesPerMeasurement).padEnd(18)} ${r.loadAverage}`)];
  for (const line of table) console.log(line);
  return { runs, table };
}

/** Child side of spawnCollector: waits for "go", reports each batch, closes on "close". */
async function runChildCollector(redisUrl: string, dbPath: string, concurrency: number): Promise<void> {
  const send = (m: ChildMessage) => process.send?.(m);
  const store = openBenchStore(dbPath);
  let collector: Collector | null = null;
  let cpu0 = process.cpuUsage();
  process.on("message", (m: string) => {
    if (m === "go") {
      cpu0 = process.cpuUsage();
      collector = new Collector({
        redis: redisUrl, store, concurrency, logger: pino({ level: "warn" }),
        onBatch: (b) => send({ type: "batch", stored: b.inserted + b.duplicates + b.invalid }),
      });
    } else if (m === "close") {
      const cpu = process.cpuUsage(cpu0);
      void (async () => {
        await collector?.close();
        await store.close();
        send({ type: "closed", cpuSeconds: (cpu.user + cpu.system) / 1e6, ingested: collector?.counters().ingested ?? 0 });
        process.disconnect?.();
      })();
    }
  });
  send({ type: "ready" });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (process.argv[2] === "--collector") {
    await runChildCollector(process.argv[3]!, process.argv[4]!, Number(process.argv[5] ?? 2));
  } else {
    const count = Number(process.argv[2] ?? 50_000);
    const collectors = Number(process.argv[3] ?? 1);
    const concurrency = Number(process.argv[4] ?? 2);
    const which = process.argv[5] ?? "sqlite";
    if (which === "both") {
      const { table } = await benchIngestMatrix({ count, concurrency });
      console.log(table.join("\n"));
    } else {
      const figures = await benchIngest({ count, collectors, concurrency, store: which === "postgres" ? "postgres" : "sqlite" });
      console.log(JSON.stringify(figures, null, 2));
      console.log(`ingest: ${figures.perSecond} measurements/s with ${collectors} collector process(es) on ${figures.store}`);
    }
  }
}
