// `startServer` with its own supervised redis-server, as uploads meet it when Redis dies, freezes or fills
// up: 503 with Retry-After (never a hang, never a 202 for something not queued), and uploads taken again on
// their own once Redis is back — no person restarts anything.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { sha256Hex } from "../../src/api/auth.js";
import { createLogger } from "../../src/log.js";
import { startServer, type RunningServer } from "../../src/serve/server.js";
import { fixtureMeasurement } from "../fixtures/measurement.js";
import { testConfig } from "../api/harness.js";

const TOKEN = "kwp_server-test-token";
let dir: string;
let server: RunningServer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "kw-serve-"));
  server = await startServer({
    config: testConfig({
      dataDir: dir,
      targets: { fromWhitelist: false },
      redis: { maxmemory: "8mb", commandTimeoutMs: 1_000 },
    }),
    dataDir: dir,
    port: 0,
    host: "127.0.0.1",
    log: createLogger({ level: "silent" }),
    schedule: false,
    detectorIntervalMs: 3_600_000,
  });
  await server.store.saveProbeToken({ probeId: "probe-47", region: "KZ-47", tokenHash: sha256Hex(TOKEN), createdAt: new Date().toISOString(), revokedAt: null });
});
afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const measurement = () => fixtureMeasurement({ probeId: "probe-47", region: "KZ-47", network: "kcell-mobile", startedAt: new Date().toISOString() });
async function upload(): Promise<{ status: number; retryAfter: string | null; id: string }> {
  const m = measurement();
  const res = await fetch(`${server.url}/api/v1/measurements`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify({ measurements: [m] }),
  });
  await res.arrayBuffer();
  return { status: res.status, retryAfter: res.headers.get("retry-after"), id: m.id };
}
async function until<T>(what: string, get: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await get();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
const stored = (id: string) => until(`measurement ${id} stored`, () => server.store.getMeasurement(id), (m) => m !== null);

describe("keepwatch serve with its embedded Redis", () => {
  it("answers 503 while its redis-server is dead, restarts it, and takes uploads again by itself", async () => {
    const first = await upload();
    expect(first.status).toBe(202);
    await stored(first.id);
    const embedded = server.embeddedRedis!;
    const pid = embedded.pid()!;
    process.kill(pid, "SIGKILL");
    const down = await upload();
    expect(down.status).toBe(503);
    expect(Number(down.retryAfter)).toBeGreaterThan(0);
    const back = await until("uploads taken again", upload, (r) => r.status === 202);
    expect(embedded.restarts()).toBeGreaterThanOrEqual(1);
    expect(embedded.pid()).not.toBe(pid);
    await stored(back.id);
  });

  it("answers 503 instead of hanging when Redis is frozen, and 202 once it thaws", async () => {
    const pid = server.embeddedRedis!.pid()!;
    process.kill(pid, "SIGSTOP");
    try {
      // Returns at all (the test's own timeout would catch a hang), and with a refusal, not a 202.
      const frozen = await upload();
      expect(frozen.status).toBe(503);
      expect(Number(frozen.retryAfter)).toBeGreaterThan(0);
    } finally {
      process.kill(pid, "SIGCONT");
    }
    const thawed = await until("uploads taken after the thaw", upload, (r) => r.status === 202);
    await stored(thawed.id);
  }, 30_000);

  it("answers 503 before Redis reaches its maxmemory, and takes uploads again when there is room", async () => {
    const redis = new Redis(server.redisUrl);
    try {
      const memory = async () => {
        const info = await redis.info("memory");
        return { used: Number(/^used_memory:(\d+)/m.exec(info)![1]), max: Number(/^maxmemory:(\d+)/m.exec(info)![1]) };
      };
      expect((await memory()).max).toBe(8 * 1024 * 1024);
      // Fill Redis past 90 % of its cap, in small pieces (still below the cap: Redis itself takes more).
      for (let i = 0; ; i++) {
        const { used, max } = await memory();
        if (used > max * 0.92) break;
        await redis.set(`ballast:${i}`, "x".repeat(100_000));
      }
      const full = await until("uploads refused for lack of room", upload, (r) => r.status === 503);
      expect(Number(full.retryAfter)).toBeGreaterThanOrEqual(1);
      await redis.del(...(await redis.keys("ballast:*")));
      const ok = await until("uploads taken again", upload, (r) => r.status === 202);
      await stored(ok.id);
    } finally {
      redis.disconnect();
    }
  });
});
