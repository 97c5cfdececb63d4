// API benchmark: p95 latency of GET /api/v1/regions and of a 7-day region timeline under concurrent load
// (autocannon), on a SQLite store holding ≥ 5 million measurements written through the store itself, so the
// minute rollups are the ones production would have (17 regions × 2 networks × 2 probes × 40 targets every
// 5 minutes for 7 days = 5.48 M measurements, with a whitelist-only episode and throughput targets).
//   npx tsx bench/api.ts [dbPath] [connections] [seconds]
// The database is reused when it already holds the data (generation takes minutes). The server runs in a
// child process so autocannon does not share its event loop.
import { fork } from "node:child_process";
import { statSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import { serve } from "@hono/node-server";
import type { AddressInfo } from "node:net";
import { createApp } from "../src/api/app.js";
import { IncidentEventHub } from "../src/api/incident-events.js";
import { configSchema, type KeepWatchConfig } from "../src/config/schema.js";
import type { Measurement } from "../src/measurement.js";
import { Metrics } from "../src/metrics/metrics.js";
import { PostgresStore } from "../src/store/postgres/store.js";
import { SqliteStore } from "../src/store/sqlite.js";

export const REGION_IDS = ["KZ-10", "KZ-11", "KZ-15", "KZ-19", "KZ-23", "KZ-27", "KZ-31", "KZ-33", "KZ-35", "KZ-39", "KZ-43", "KZ-47", "KZ-55", "KZ-59", "KZ-61", "KZ-63", "KZ-71"];
export const NETWORKS = [
  { id: "kcell-mobile", name: "Kcell", asn: 29355, kind: "mobile" as const },
  { id: "kt-fixed", name: "Kazakhtelecom", asn: 9198, kind: "fixed" as const },
];
export const TARGETS = Array.from({ length: 40 }, (_, i) => ({
  url: i < 20 ? `https://gov${i}.example.kz/` : `https://site${i}.example.com/`,
  list: i < 20 ? ("whitelisted" as const) : ("non_whitelisted" as const),
  category: i < 20 ? "gov" : i < 30 ? "news" : "social",
}));
const ROUND_MS = 5 * 60_000;
const DAYS = 7;
/** End of the generated data; the server's clock is pinned here so "recent" always has data. */
export const END = Date.parse("2026-03-10T12:00:00.000Z");
const START = END - DAYS * 86400_000;

export function benchConfig(): KeepWatchConfig {
  return configSchema.parse({
    regions: REGION_IDS.map((id) => ({ id, names: { kk: id, ru: id, en: id }, networks: NETWORKS.map((n) => n.id) })),
    networks: NETWORKS,
  });
}

function uuid(n: number): string {
  const h = n.toString(16).padStart(12, "0");
  return `00000000-0000-4000-8000-${h}`;
}

/** One site check as a probe reports it (compact: no HTTP hop detail, which the rollups do not use). */
const HOSTS = new Map(TARGETS.map((t) => [t.url, new URL(t.url).hostname]));

function measurement(n: number, t: number, region: string, net: (typeof NETWORKS)[number], probe: string, target: (typeof TARGETS)[number]): Measurement {
  const host = HOSTS.get(target.url)!;
  // A whitelist-only episode on KZ-47 mobile during the last day, 6 h long; otherwise ~3 % random failures.
  const whitelistOnly = region === "KZ-47" && net.kind === "mobile" && t > END - 30 * 3600_000 && t < END - 24 * 3600_000;
  const fails = (whitelistOnly && target.list === "non_whitelisted") || n % 33 === 0;
  const handshake = 0.03 + (n % 17) / 1000;
  const throughput = target.category === "gov" && n % 20 === 0;
  return {
    version: 1,
    id: uuid(n),
    probe: { id: probe, role: "region", software: "keepwatch/bench" },
    region,
    network: { id: net.id, asn: net.asn, kind: net.kind },
    target: { url: target.url, list: target.list, category: target.category },
    startedAt: new Date(t).toISOString(),
    check: {
      url: target.url,
      dns: [{ query: host, resolver: "system", transport: "system", rcode: "NOERROR", answers: [], addresses: ["198.18.0.10"], cnameChain: [], bogons: [], failure: null, time: 0.01 }],
      controlDns: null,
      tcp: [{ address: "198.18.0.10", port: 443, failure: null, connectTime: 0.02 }],
      tls: [{ address: "198.18.0.10", port: 443, serverName: host, alpn: "http/1.1", protocol: "TLSv1.3", failure: fails ? "tls_reset" : null, handshakeTime: fails ? null : handshake, certificate: null }],
      http: null,
      time: 0.2,
    },
    verdict: { accessible: !fails, blocking: fails ? "tls" : null, failure: fails ? "tls_reset" : null, determined: true },
    throughput: throughput ? { url: target.url, address: "198.18.0.10", bytes: 1_000_000, seconds: 0.5, bytesPerSecond: 2_000_000, firstByte: 0.05, capped: null, failure: null } : null,
  };
}

async function generate(store: SqliteStore): Promise<{ count: number; seconds: number }> {
  const started = performance.now();
  let n = 0;
  let batch: Measurement[] = [];
  let flushes = 0;
  for (let round = START; round < END; round += ROUND_MS) {
    for (const region of REGION_IDS) {
      for (const net of NETWORKS) {
        for (let p = 0; p < 2; p++) {
          const probe = `${region.toLowerCase()}-${net.id}-${p}`;
          TARGETS.forEach((target, i) => {
            batch.push(measurement(n++, round + p * 7_000 + i * 1_000, region, net, probe, target));
          });
        }
      }
    }
    // Large batches: one transaction (and one rollup fold) per ~50k rows instead of per ~10k.
    if (batch.length >= 50_000) {
      await store.insertMeasurements(batch);
      batch = [];
      if (++flushes % 20 === 0) process.stdout.write(`  generated ${n} (${((performance.now() - started) / 1000).toFixed(0)} s)\n`);
    }
  }
  if (batch.length) await store.insertMeasurements(batch);
  await store.saveIncident({
    id: "bench-wl-47", region: "KZ-47", network: "kcell-mobile", kind: "whitelist_only", status: "closed",
    startedAt: new Date(END - 30 * 3600_000).toISOString(), lastGoodAt: null, endedAt: new Date(END - 24 * 3600_000).toISOString(),
    targets: [], summary: "bench", confidence: "confirmed",
    evidence: { measurementIds: [], counts: {}, probes: [], networks: [], figures: {} }, revisedAt: null, revisions: [],
  });
  await store.setState("bench:api:count", String(n));
  return { count: n, seconds: (performance.now() - started) / 1000 };
}

/** Child process: serve the API on 127.0.0.1 and report the port. dbPath: a SQLite file or a postgres:// URL. */
async function serveChild(dbPath: string, cacheMs: number): Promise<void> {
  const store = dbPath.startsWith("postgres://") ? new PostgresStore(dbPath) : new SqliteStore(dbPath);
  const config = benchConfig();
  const app = createApp({
    store, config, metrics: new Metrics({ processMetrics: false }), incidentEvents: new IncidentEventHub(),
    enqueueResults: async () => undefined, clock: () => new Date(END), options: { regionsCacheMs: cacheMs, timelineCacheMs: cacheMs },
  });
  serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 }, (info: AddressInfo) => process.send?.({ port: info.port }));
  // A normal exit on SIGTERM, so a --cpu-prof profile is written.
  process.once("SIGTERM", () => process.exit(0));
}

export interface LatencyFigures {
  path: string;
  requests: number;
  non2xx: number;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
}

export async function load(url: string, connections: number, seconds: number): Promise<LatencyFigures> {
  const times: number[] = [];
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    // A generous timeout so slow responses are measured rather than dropped as errors.
    const instance = autocannon({ url, connections, duration: seconds, timeout: 120 }, (err, r) => (err ? reject(err) : resolve(r)));
    // autocannon reports percentiles without p95; each response's time is collected here instead.
    instance.on("response", (_client, _status, _bytes, ms) => times.push(ms));
  });
  times.sort((a, b) => a - b);
  const pct = (p: number) => times[Math.min(times.length - 1, Math.floor((p / 100) * times.length))] ?? NaN;
  return { path: new URL(url).pathname + new URL(url).search, requests: times.length, non2xx: result.non2xx, rps: result.requests.average, p50: pct(50), p95: pct(95), p99: pct(99) };
}

export async function withServer<T>(dbPath: string, cacheMs: number, fn: (base: string) => Promise<T>): Promise<T> {
  // KW_BENCH_SERVER_NODE_ARGS: flags for the server process, e.g. "--cpu-prof --cpu-prof-dir=/tmp/kw-prof".
  const extra = (process.env.KW_BENCH_SERVER_NODE_ARGS ?? "").split(" ").filter((a) => a !== "");
  const child = fork(fileURLToPath(import.meta.url), ["--serve", dbPath, String(cacheMs)], { execArgv: [...extra, "--import", "tsx"] });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      child.once("message", (m) => resolve((m as { port: number }).port));
      child.once("exit", (code) => reject(new Error(`server exited ${code}`)));
    });
    return await fn(`http://127.0.0.1:${port}`);
  } finally {
    child.kill("SIGTERM");
  }
}

/** Sequential store calls (no HTTP): what one request costs the store, per read path. */
async function storeTimings(store: SqliteStore, runs = 20): Promise<{ call: string; rows: number; p50: number; p95: number }[]> {
  const week = { since: new Date(END - 7 * 86400_000), until: new Date(END), region: "KZ-47", bucketSeconds: 3600 };
  const recent = { since: new Date(END - 15 * 60_000), until: new Date(END), bucketSeconds: 900 };
  const calls: [string, () => Promise<unknown[]>][] = [
    ["targetStats 7 d KZ-47 hour", () => store.targetStats(week)],
    ["networkStats 7 d KZ-47 hour", () => store.networkStats(week)],
    ["targetStats 15 min all regions", () => store.targetStats(recent)],
    ["networkStats 15 min all regions", () => store.networkStats(recent)],
    ["targetStats 1 d KZ-47 5 min (detector baseline chunk)", () => store.targetStats({ ...week, since: new Date(END - 86400_000), bucketSeconds: 300 })],
  ];
  return timeStoreCalls(calls, runs);
}

export interface StoreCallFigures {
  call: string;
  rows: number;
  p50: number;
  p95: number;
}

/** Each call run `runs` times one after another (no HTTP, no concurrency): what one request costs the store. */
export async function timeStoreCalls(calls: [string, () => Promise<unknown[]>][], runs: number): Promise<StoreCallFigures[]> {
  const out: StoreCallFigures[] = [];
  for (const [call, fn] of calls) {
    const ms: number[] = [];
    let rows = 0;
    for (let i = 0; i < runs; i++) {
      const t = performance.now();
      rows = (await fn()).length;
      ms.push(performance.now() - t);
    }
    ms.sort((a, b) => a - b);
    const pct = (p: number) => Number(ms[Math.min(ms.length - 1, Math.floor((p / 100) * ms.length))]!.toFixed(1));
    out.push({ call, rows, p50: pct(50), p95: pct(95) });
    console.log(`store ${call}: ${rows} rows, p50 ${pct(50)} ms, p95 ${pct(95)} ms`);
  }
  return out;
}

export async function benchApi(dbPath = join(tmpdir(), "keepwatch-bench-api.db"), connections = 20, seconds = 10) {
  const store = new SqliteStore(dbPath);
  await store.migrate();
  let generation: { count: number; seconds: number } | null = null;
  const have = Number((await store.getState("bench:api:count")) ?? 0);
  if (have < 5_000_000) {
    console.log(`generating ${DAYS} days of measurements into ${dbPath} …`);
    generation = await generate(store);
    console.log(`generated ${generation.count} measurements in ${generation.seconds.toFixed(0)} s (${Math.round(generation.count / generation.seconds)}/s)`);
  }
  const count = Number(await store.getState("bench:api:count"));
  const storeCalls = await storeTimings(store);
  await store.close();
  const sqliteBytes = statSync(dbPath).size;
  const timeline = `/api/v1/regions/KZ-47/timeline?since=${new Date(END - 7 * 86400_000).toISOString()}&until=${new Date(END).toISOString()}&bucket=hour`;
  const figures: (LatencyFigures & { regionsCacheMs: number })[] = [];
  const sequential: { path: string; ms: number[] }[] = [];
  for (const cacheMs of [1000, 0]) {
    await withServer(dbPath, cacheMs, async (base) => {
      await fetch(`${base}/api/v1/regions`); // warm the page cache once
      if (cacheMs === 0) {
        // One request at a time: the cost of one response, without queueing behind others.
        for (const path of ["/api/v1/regions", timeline]) {
          const ms: number[] = [];
          for (let i = 0; i < 5; i++) {
            const t = performance.now();
            await (await fetch(base + path)).arrayBuffer();
            ms.push(Math.round(performance.now() - t));
          }
          sequential.push({ path, ms });
          console.log(`sequential ${path.slice(0, 60)}: ${ms.join(", ")} ms`);
        }
      }
      for (const path of cacheMs === 0 ? ["/api/v1/regions", timeline] : ["/api/v1/regions"]) {
        const f = { ...(await load(base + path, connections, seconds)), regionsCacheMs: cacheMs };
        figures.push(f);
        console.log(`${f.path.slice(0, 60)} (regions cache ${cacheMs} ms): ${f.requests} req, ${f.rps.toFixed(0)} req/s, p50 ${f.p50} ms, p95 ${f.p95} ms, p99 ${f.p99} ms, non-2xx ${f.non2xx}`);
      }
    });
  }
  return { measurements: count, sqliteBytes, generation, connections, seconds, storeCalls, figures, sequential, loadAverage: loadavg() };
}

if (process.argv[2] === "--serve") {
  await serveChild(process.argv[3]!, Number(process.argv[4] ?? 1000));
} else if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [db, conns, secs] = process.argv.slice(2);
  const out = await benchApi(db, conns ? Number(conns) : undefined, secs ? Number(secs) : undefined);
  console.log(JSON.stringify(out, null, 2));
}
