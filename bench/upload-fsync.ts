// What `redis.appendfsync` costs uploads: the real upload path (HTTP → token check → validation → results
// queue on the embedded redis-server) timed with appendfsync no, everysec and always, on the data
// directory's disk. N agents upload back to back for a fixed time; figures are uploads and measurements
// accepted per second, and, to see the policy where it is paid, results-queue adds per second without HTTP.
//   npx tsx bench/upload-fsync.ts [seconds per mode] [agents] [measurements per upload] [data parent dir]
import { serve } from "@hono/node-server";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { createApp } from "../src/api/app.js";
import { sha256Hex } from "../src/api/auth.js";
import { IncidentEventHub } from "../src/api/incident-events.js";
import { configSchema } from "../src/config/schema.js";
import { Metrics } from "../src/metrics/metrics.js";
import { createRedisConnection, waitUntilReady } from "../src/queue/connection.js";
import { ResultsProducer } from "../src/queue/results-producer.js";
import { startEmbeddedRedis } from "../src/serve/embedded-redis.js";
import { SqliteStore } from "../src/store/sqlite.js";
import { realisticMeasurement } from "./ingest-measurement.js";

const TOKEN = "kwp_bench-upload-fsync";
type Mode = "no" | "everysec" | "always";

export interface FsyncFigures {
  appendfsync: Mode;
  agents: number;
  perUpload: number;
  uploadsPerSecond: number;
  measurementsPerSecond: number;
  meanMs: number;
  /** The Redis side alone: results-queue adds (one upload's batch each) per second, same concurrency. */
  queueAddsPerSecond: number;
  queueAddMeanMs: number;
}

async function run(mode: Mode, seconds: number, agents: number, perUpload: number, parent: string): Promise<FsyncFigures> {
  const dir = mkdtempSync(join(parent, "kw-bench-fsync-"));
  const redis = await startEmbeddedRedis(dir, { appendfsync: mode, maxmemory: 2 * 1024 ** 3 });
  const store = new SqliteStore(join(dir, "keepwatch.sqlite"));
  await store.migrate();
  await store.saveProbeToken({ probeId: "probe-47", region: "KZ-47", tokenHash: sha256Hex(TOKEN), createdAt: new Date().toISOString(), revokedAt: null });
  const config = configSchema.parse({
    regions: [{ id: "KZ-47", names: { kk: "Маңғыстау", ru: "Мангистауская", en: "Mangystau" }, networks: ["kcell-mobile"] }],
    networks: [{ id: "kcell-mobile", name: "Kcell", asn: 29355, kind: "mobile" }],
    probes: [{ id: "probe-47", region: "KZ-47", network: "kcell-mobile" }],
    uploads: { requestsPerMinute: 10_000_000, measurementsPerMinute: 1_000_000_000, concurrentPerToken: 1000 },
  });
  const conn = createRedisConnection(redis.url, "producer");
  await waitUntilReady(conn);
  const producer = new ResultsProducer(conn);
  const app = createApp({
    store, config, metrics: new Metrics({ store, config, processMetrics: false }), incidentEvents: new IncidentEventHub(),
    enqueueResults: async (ms) => { await producer.add(ms); },
  });
  const server = await new Promise<ReturnType<typeof serve>>((ok) => {
    const s = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 }, () => ok(s));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/measurements`;
  let seq = 0;
  const batch = () => {
    const base = Date.now() - 60_000;
    return JSON.stringify({
      measurements: Array.from({ length: perUpload }, () => {
        const m = realisticMeasurement(seq++, base);
        return { ...m, probe: { ...m.probe, id: "probe-47", role: "region" }, region: "KZ-47", network: { id: "kcell-mobile", asn: 29355, kind: "mobile" } };
      }),
    });
  };
  const bodies = Array.from({ length: 200 }, batch); // Built before timing; ids repeat across rounds (dedupe is free).
  // The queue alone first: what the fsync policy costs where it is paid.
  const parsed = bodies.map((b) => (JSON.parse(b) as { measurements: Parameters<ResultsProducer["add"]>[0] }).measurements);
  let adds = 0;
  let addMs = 0;
  const addEnd = performance.now() + seconds * 500;
  await Promise.all(Array.from({ length: agents }, async (_, a) => {
    for (let i = a; performance.now() < addEnd; i += agents) {
      const t = performance.now();
      // Fresh ids so every add is a real write (a repeated job id would be a no-op).
      await producer.add(parsed[i % parsed.length]!.map((m) => ({ ...m, id: randomUUID() })));
      addMs += performance.now() - t;
      adds += 1;
    }
  }));
  let uploads = 0;
  let totalMs = 0;
  const end = performance.now() + seconds * 1000;
  await Promise.all(Array.from({ length: agents }, async (_, a) => {
    for (let i = a; performance.now() < end; i += agents) {
      const t = performance.now();
      const res = await fetch(url, { method: "POST", headers: { "Content-Type": "application/json", Authorization: `Bearer ${TOKEN}` }, body: bodies[i % bodies.length]! });
      await res.arrayBuffer();
      if (res.status !== 202) throw new Error(`upload answered ${res.status}`);
      totalMs += performance.now() - t;
      uploads += 1;
    }
  }));
  server.close();
  await producer.close();
  conn.disconnect();
  await store.close();
  await redis.stop();
  rmSync(dir, { recursive: true, force: true });
  return {
    appendfsync: mode, agents, perUpload,
    uploadsPerSecond: Math.round(uploads / seconds),
    measurementsPerSecond: Math.round((uploads * perUpload) / seconds),
    meanMs: Number((totalMs / uploads).toFixed(1)),
    queueAddsPerSecond: Math.round(adds / (seconds / 2)),
    queueAddMeanMs: Number((addMs / adds).toFixed(2)),
  };
}

export async function benchUploadFsync(seconds = 10, agents = 8, perUpload = 20, parent = process.cwd()): Promise<{ runs: FsyncFigures[] }> {
  const runs: FsyncFigures[] = [];
  // Interleaved twice so a load spike on a shared machine does not land on one mode only.
  for (const mode of ["everysec", "always", "no", "always", "everysec", "no"] as Mode[]) {
    const r = await run(mode, seconds, agents, perUpload, parent);
    console.log(JSON.stringify(r));
    runs.push(r);
  }
  return { runs };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [s, a, p, dir] = process.argv.slice(2);
  await benchUploadFsync(Number(s ?? 10), Number(a ?? 8), Number(p ?? 20), dir ?? process.cwd());
}
