// Store-lock drill: a real `keepwatch serve` (startServer, real Redis, real SQLite file) keeps taking
// uploads while another process holds SQLite's write lock for LOCK seconds. Reports what was answered
// 202 against what reached the store, and how long the event loop stalled meanwhile (the server's own
// process: perf_hooks.monitorEventLoopDelay), with /healthz and upload latencies.
//   npx tsx bench/store-lock.ts [lockSeconds=8] [drainTimeoutSeconds=300]
// Each of 3 uploaders sends a batch of 50 every 200 ms at most (≤ 750/s offered), so a long lock builds a
// backlog Redis can hold; "pending" is what was accepted but not yet stored when the drain timeout hit.
// Uses only startServer's long-standing interface, so the same script measures older trees too.
import { spawn } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import BetterSqlite3 from "better-sqlite3";
import { Queue } from "bullmq";
import { pino } from "pino";
import { configSchema } from "../src/config/schema.js";
import { startServer } from "../src/serve/server.js";
import { startTestRedis } from "../tests/helpers/redis.js";
import { fixtureMeasurement } from "../tests/fixtures/measurement.js";

const LOCK_SECONDS = Number(process.argv[2] ?? 8);
const DRAIN_TIMEOUT_S = Number(process.argv[3] ?? 300);
const TOKEN = "kwp_store-lock-drill";
const BATCH = 50;
const UPLOADERS = 3;
const UPLOAD_EVERY_MS = 200;

const HOLDER = `
const db = new (require("better-sqlite3"))(process.argv[1]);
db.pragma("busy_timeout = 30000");
db.exec("BEGIN IMMEDIATE");
db.prepare("INSERT INTO state (key, value, updated_ms) VALUES ('lock-holder', 'x', 0) ON CONFLICT (key) DO UPDATE SET updated_ms = updated_ms + 1").run();
process.stdout.write("locked\\n");
setTimeout(() => { db.exec("COMMIT"); db.close(); process.exit(0); }, Number(process.argv[2]));
`;

async function main(): Promise<void> {
  const redis = await startTestRedis();
  const dataDir = mkdtempSync(join(tmpdir(), "kw-lock-drill-"));
  const config = configSchema.parse({
    dataDir,
    regions: [{ id: "KZ-47", names: { kk: "Маңғыстау", ru: "Мангистауская", en: "Mangystau" }, networks: ["kcell-mobile"] }],
    networks: [{ id: "kcell-mobile", name: "Kcell", asn: 29355, kind: "mobile" }],
    probes: [{ id: "probe-47", region: "KZ-47", network: "kcell-mobile" }],
    targets: { fromWhitelist: false },
  });
  const server = await startServer({ config, dataDir, port: 0, redisUrl: redis.url, log: pino({ level: "silent" }), schedule: false });
  await server.store.saveProbeToken({
    probeId: "probe-47", region: "KZ-47", tokenHash: createHash("sha256").update(TOKEN).digest("hex"),
    createdAt: new Date().toISOString(), revokedAt: null,
  });
  const dbPath = join(dataDir, "keepwatch.sqlite");

  let accepted = 0;
  let refused = 0;
  let uploadMaxMs = 0;
  let healthzMaxMs = 0;
  let uploadErrors = 0;
  let healthzErrors = 0;
  let running = true;
  const upload = async () => {
    while (running) {
      const pace = new Promise((r) => setTimeout(r, UPLOAD_EVERY_MS));
      const items = Array.from({ length: BATCH }, () => fixtureMeasurement({
        id: randomUUID(), probeId: "probe-47", region: "KZ-47", network: "kcell-mobile", startedAt: new Date().toISOString(),
      }));
      const t = performance.now();
      const res = await fetch(`${server.url}/api/v1/measurements`, {
        method: "POST", headers: { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/json" },
        body: JSON.stringify({ measurements: items }),
      }).catch(() => null);
      uploadMaxMs = Math.max(uploadMaxMs, performance.now() - t);
      if (!res) {
        // Connection reset (the frozen server's keep-alive timer fired): not accepted, the agent retries.
        uploadErrors += 1;
        continue;
      }
      if (res.status === 202) {
        const n = ((await res.json()) as { accepted: number }).accepted;
        accepted += n;
      } else {
        refused += BATCH;
        await res.text();
      }
      await pace;
    }
  };
  const healthz = async () => {
    while (running) {
      const t = performance.now();
      const res = await fetch(`${server.url}/healthz`).catch(() => null);
      if (res) await res.text();
      else healthzErrors += 1;
      healthzMaxMs = Math.max(healthzMaxMs, performance.now() - t);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  const holder = spawn(process.execPath, ["-e", HOLDER, dbPath, String(LOCK_SECONDS * 1000)], { stdio: ["ignore", "pipe", "inherit"] });
  await new Promise<void>((ok) => holder.stdout.once("data", () => ok()));
  const released = new Promise<void>((ok) => holder.once("exit", () => ok()));
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const clients = [...Array.from({ length: UPLOADERS }, upload), healthz()];
  await released;
  running = false;
  await Promise.all(clients);
  loop.disable();
  const releasedAt = Date.now();

  // A separate read connection: counting must not load rows into the server's process.
  const reader = new BetterSqlite3(dbPath, { readonly: true });
  const count = async () => (reader.prepare("SELECT COUNT(*) AS n FROM measurements").get() as { n: number }).n;
  let stored = await count();
  while (stored < accepted && Date.now() - releasedAt < DRAIN_TIMEOUT_S * 1000) {
    await new Promise((r) => setTimeout(r, 500));
    stored = await count();
  }
  // Jobs that gave up (older versions: 8 attempts) sit in "failed" and are never stored without a person.
  const results = new Queue("results", { connection: { host: "127.0.0.1", port: redis.port } });
  const failedJobs = await results.getFailedCount();
  await results.close();
  console.log(JSON.stringify({
    lockSeconds: LOCK_SECONDS,
    accepted,
    refused503: refused,
    uploadErrors,
    healthzErrors,
    stored,
    pending: accepted - stored,
    failedJobs,
    drainSecondsAfterRelease: stored >= accepted ? (Date.now() - releasedAt) / 1000 : null,
    maxEventLoopDelayMs: Math.round(loop.max / 1e6),
    healthzMaxMs: Math.round(healthzMaxMs),
    uploadMaxMs: Math.round(uploadMaxMs),
  }));
  reader.close();
  await server.stop();
  await redis.cleanup();
  rmSync(dataDir, { recursive: true, force: true });
}

await main();
