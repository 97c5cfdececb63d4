// A real `keepwatch serve` (startServer: real Redis, real SQLite file, real HTTP) while another process holds
// the store's write lock, and while its Redis is killed: the event loop keeps turning, liveness answers,
// readiness tells the truth, and every upload answered 202 reaches the store.
import { createHash, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { pino } from "pino";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { configSchema } from "../../src/config/schema.js";
import { databasePath } from "../../src/serve/data-dir.js";
import { startServer, type RunningServer } from "../../src/serve/server.js";
import { fixtureMeasurement } from "../fixtures/measurement.js";
import { startTestRedis, type TestRedis } from "../helpers/redis.js";
import { holdWriteLock } from "../helpers/sqlite-lock.js";

const TOKEN = "kwp_durability-test-token";
const LOCK_MS = 8000;

let redis: TestRedis;
let dataDir: string;
let server: RunningServer;

beforeAll(async () => { redis = await startTestRedis(); });
afterAll(async () => { await redis.cleanup(); });

beforeEach(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "kw-serve-durable-"));
  const config = configSchema.parse({
    dataDir,
    regions: [{ id: "KZ-47", names: { kk: "Маңғыстау", ru: "Мангистауская", en: "Mangystau" }, networks: ["kcell-mobile"] }],
    networks: [{ id: "kcell-mobile", name: "Kcell", asn: 29355, kind: "mobile" }],
    probes: [{ id: "probe-47", region: "KZ-47", network: "kcell-mobile" }],
    targets: { fromWhitelist: false },
    readiness: { checkTimeoutMs: 500 },
  });
  server = await startServer({ config, dataDir, port: 0, redisUrl: redis.url, log: pino({ level: "silent" }), schedule: false });
  await server.store.saveProbeToken({
    probeId: "probe-47", region: "KZ-47", tokenHash: createHash("sha256").update(TOKEN).digest("hex"),
    createdAt: new Date().toISOString(), revokedAt: null,
  });
});

afterEach(async () => {
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function upload(n: number): Promise<number> {
  const measurements = Array.from({ length: n }, () => fixtureMeasurement({
    id: randomUUID(), probeId: "probe-47", region: "KZ-47", network: "kcell-mobile", startedAt: new Date().toISOString(),
  }));
  const res = await fetch(`${server.url}/api/v1/measurements`, {
    method: "POST", headers: { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/json" },
    body: JSON.stringify({ measurements }),
  });
  if (res.status !== 202) {
    await res.text();
    return 0;
  }
  return ((await res.json()) as { accepted: number }).accepted;
}

async function stored(): Promise<number> {
  return (await server.store.measurementFacts({})).length;
}

async function readyz(): Promise<{ status: number; body: { components: Record<string, { status: string }> } }> {
  const res = await fetch(`${server.url}/readyz`);
  return { status: res.status, body: (await res.json()) as { components: Record<string, { status: string }> } };
}

describe("serve durability", () => {
  it("keeps its event loop free while another process holds the write lock, and stores every accepted upload", async () => {
    const lock = await holdWriteLock(databasePath(dataDir), LOCK_MS);
    const loop = monitorEventLoopDelay({ resolution: 10 });
    loop.enable();
    let accepted = 0;
    let live = 0;
    let locked = false;
    let done = false;
    const lockGone = lock.exited.then(() => { done = true; });
    const uploader = async () => {
      while (!done) {
        const n = await upload(50);
        accepted += n;
      }
    };
    const prober = async () => {
      while (!done) {
        if ((await fetch(`${server.url}/healthz`)).status === 200) live += 1;
        const r = await readyz();
        if (r.body.components.store?.status === "locked") locked = r.status === 200 || locked;
        await new Promise((ok) => setTimeout(ok, 100));
      }
    };
    await Promise.all([uploader(), uploader(), prober(), lockGone]);
    loop.disable();
    const maxDelayMs = loop.max / 1e6;
    // busy_timeout 5 s froze this loop for seconds at a time; waiting asynchronously leaves it free.
    expect(maxDelayMs).toBeLessThan(1000);
    expect(live).toBeGreaterThan(5);
    expect(locked).toBe(true);
    expect(accepted).toBeGreaterThan(0);

    const deadline = Date.now() + 120_000;
    while ((await stored()) < accepted && Date.now() < deadline) await new Promise((ok) => setTimeout(ok, 250));
    expect(await stored()).toBe(accepted);
    const after = await readyz();
    expect(after.status).toBe(200);
    expect(after.body.components.store?.status).toBe("up");
  }, 180_000);

  it("killing redis-server makes /readyz 503 redis: down while /livez and /healthz stay 200", async () => {
    expect((await readyz()).status).toBe(200);
    await redis.stop();
    try {
      const r = await readyz();
      expect(r.status).toBe(503);
      expect(r.body.components.redis?.status).toBe("down");
      expect((await fetch(`${server.url}/livez`)).status).toBe(200);
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    } finally {
      await redis.restart();
    }
    const deadline = Date.now() + 30_000;
    while ((await readyz()).status !== 200 && Date.now() < deadline) await new Promise((ok) => setTimeout(ok, 200));
    expect((await readyz()).status).toBe(200);
  }, 60_000);
});
