// `keepwatch serve` as an operator runs it and as it dies: a real process with its own redis-server,
// stopped with SIGTERM while a dashboard tab holds an SSE stream and agents are uploading, and killed with
// SIGKILL. Nothing answered 202 may be missing afterwards, and no redis-server may be left behind or doubled.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sha256Hex } from "../../src/api/auth.js";
import { lockPath } from "../../src/serve/data-dir-lock.js";
import { embeddedRedisPaths } from "../../src/serve/embedded-redis.js";
import { findOurRedis, processAlive, readPidfile } from "../../src/serve/redis-pidfile.js";
import { WATCHDOG_NAME } from "../../src/serve/redis-watchdog.js";
import { SqliteStore } from "../../src/store/sqlite.js";
import { fixtureMeasurement } from "../fixtures/measurement.js";
import { startTestRedis } from "../helpers/redis.js";

const TOKEN = "kwp_serve-cli-test-token";
let dir: string;
let data: string;
let configPath: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "kw-serve-cli-"));
  data = join(dir, "data");
  configPath = join(dir, "keepwatch.yaml");
  writeFileSync(configPath, [
    "regions:",
    "  - id: KZ-47",
    "networks:",
    "  - { id: kcell-mobile, name: Kcell, asn: 29355, kind: mobile }",
    "probes:",
    "  - { id: probe-47, region: KZ-47, network: kcell-mobile, mode: remote }",
    "targets:",
    "  fromWhitelist: false",
    "  extra:",
    "    - { url: 'https://example.test/', list: whitelisted, category: gov }",
    "schedule:",
    "  cron: '0 0 1 1 *'",
    "uploads:",
    "  requestsPerMinute: 100000",
    "  measurementsPerMinute: 10000000",
    "  concurrentPerToken: 64",
    "",
  ].join("\n"));
  mkdirSync(data, { mode: 0o700 });
  const store = new SqliteStore(join(data, "keepwatch.sqlite"));
  await store.migrate();
  await store.saveProbeToken({ probeId: "probe-47", region: "KZ-47", tokenHash: sha256Hex(TOKEN), createdAt: new Date().toISOString(), revokedAt: null });
  await store.close();
});
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  const { conf, pidfile, dir: redisDir } = embeddedRedisPaths(data);
  if (existsSync(redisDir)) for (const pid of findOurRedis(pidfile, conf, redisDir)) process.kill(pid, "SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

interface Serve {
  proc: ChildProcess;
  url: string;
  exited: Promise<{ code: number | null; signal: string | null }>;
}

function spawnServe(): ChildProcess {
  const env: NodeJS.ProcessEnv = { ...process.env, KEEPWATCH_LOG_LEVEL: "warn" };
  delete env.REDIS_URL;
  const proc = spawn(process.execPath, ["--import", "tsx", "src/cli.ts", "serve", "-c", configPath, "--data", data, "--port", "0"], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(proc);
  return proc;
}

async function startServe(): Promise<Serve> {
  const proc = spawnServe();
  const exited = new Promise<{ code: number | null; signal: string | null }>((ok) => proc.once("exit", (code, signal) => ok({ code, signal })));
  let err = "";
  proc.stderr!.on("data", (b: Buffer) => (err = (err + b.toString()).slice(-4000)));
  const url = await new Promise<string>((ok, fail) => {
    let out = "";
    proc.stdout!.on("data", (b: Buffer) => {
      out += b.toString();
      const m = /KeepWatch dashboard: (http:\/\/\S+?)\/\n/.exec(out);
      if (m) ok(m[1]!);
    });
    void exited.then(({ code }) => fail(new Error(`serve exited (${code}) before it was ready: ${out} ${err}`)));
  });
  return { proc, url, exited };
}

function redisPid(): number {
  const pid = readPidfile(embeddedRedisPaths(data).pidfile);
  expect(pid).not.toBeNull();
  return pid!;
}

/** The watchdog shell next to a redis-server (found by its title and the pid it watches). */
function watchdogOf(redis: number): number | null {
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
      if (argv.includes(WATCHDOG_NAME) && argv.includes(String(redis))) return Number(entry);
    } catch {
      // Gone while we looked.
    }
  }
  return null;
}

async function until(what: string, check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("keepwatch serve", () => {
  it("stops on SIGTERM in order: SSE ended, uploads in flight answered and stored, redis-server stopped, exit 0", async () => {
    const serve = await startServe();
    const redis = redisPid();
    // A dashboard tab: an SSE stream that would otherwise stay open forever.
    const sse = await fetch(`${serve.url}/api/v1/events`);
    const reader = sse.body!.getReader();
    await reader.read();
    const sseEnded = (async () => {
      for (;;) if ((await reader.read()).done) return true;
    })().catch(() => false);

    // Agents uploading without pause, 12 at a time, until the server stops answering.
    const accepted: string[] = [];
    let answered = 0;
    let sigtermAt = 0;
    const agent = async () => {
      for (;;) {
        const batch = Array.from({ length: 25 }, () =>
          fixtureMeasurement({ probeId: "probe-47", region: "KZ-47", network: "kcell-mobile", startedAt: new Date().toISOString() }));
        try {
          const res = await fetch(`${serve.url}/api/v1/measurements`, {
            method: "POST",
            headers: { "Content-Type": "application/json", Authorization: `Bearer ${TOKEN}` },
            body: JSON.stringify({ measurements: batch }),
          });
          const body = (await res.json()) as { accepted?: number };
          answered += 1;
          if (res.status === 202) {
            expect(body.accepted).toBe(batch.length);
            accepted.push(...batch.map((m) => m.id));
          }
        } catch {
          if (sigtermAt > 0) return; // The listener is closed: the agent keeps its spool.
          throw new Error("upload failed before the server was asked to stop");
        }
      }
    };
    const agents = Array.from({ length: 12 }, agent);
    await until("uploads flowing", () => answered >= 40);
    sigtermAt = Date.now();
    serve.proc.kill("SIGTERM");
    const { code } = await serve.exited;
    const stopSeconds = (Date.now() - sigtermAt) / 1000;
    await Promise.all(agents);

    expect(code).toBe(0); // Not the 30 s timer's exit(1).
    expect(stopSeconds).toBeLessThan(25);
    expect(await sseEnded).toBe(true);
    expect(processAlive(redis)).toBe(false);
    expect(existsSync(embeddedRedisPaths(data).pidfile)).toBe(false);
    expect(accepted.length).toBeGreaterThan(0);
    const store = new SqliteStore(join(data, "keepwatch.sqlite"));
    try {
      const missing: string[] = [];
      for (const id of accepted) if ((await store.getMeasurement(id)) === null) missing.push(id);
      expect(missing).toEqual([]);
    } finally {
      await store.close();
    }
    console.log(`SIGTERM → exit ${code} in ${stopSeconds.toFixed(1)} s; ${accepted.length} measurements answered 202, all stored`);
  }, 90_000);

  it("a second serve on the same data directory exits 1 naming the first, whose redis-server and uploads carry on", async () => {
    const first = await startServe();
    const redis = redisPid();
    expect(existsSync(lockPath(data))).toBe(true);
    // The careless operator: the same command again in another terminal. It used to take the running
    // redis-server for a crashed one's orphan and stop it, cutting the first server off its queue.
    const second = spawnServe();
    let err = "";
    second.stderr!.on("data", (b: Buffer) => (err += b.toString()));
    const code = await new Promise<number | null>((ok) => second.once("exit", (c) => ok(c)));
    expect(code).toBe(1);
    expect(err).toContain(`another keepwatch (pid ${first.proc.pid}) is running on the data directory`);
    expect(processAlive(redis)).toBe(true);
    expect(redisPid()).toBe(redis);
    const m = fixtureMeasurement({ probeId: "probe-47", region: "KZ-47", network: "kcell-mobile", startedAt: new Date().toISOString() });
    const res = await fetch(`${first.url}/api/v1/measurements`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ measurements: [m] }),
    });
    expect(res.status).toBe(202);
    expect((await (await fetch(`${first.url}/readyz`)).json()) as object).toMatchObject({ components: { redis: { status: "up" } } });
    first.proc.kill("SIGTERM");
    expect((await first.exited).code).toBe(0);
    expect(existsSync(lockPath(data))).toBe(false); // Released on a clean stop.
    const store = new SqliteStore(join(data, "keepwatch.sqlite"));
    try {
      expect(await store.getMeasurement(m.id)).not.toBeNull();
    } finally {
      await store.close();
    }
  }, 90_000);

  it("after a SIGKILL that also took the watchdog, the next start stops the orphan redis-server and runs exactly one", async () => {
    const first = await startServe();
    const orphan = redisPid();
    const watchdog = watchdogOf(orphan);
    expect(watchdog).not.toBeNull();
    // The worst crash: KeepWatch and its watchdog gone at once; redis-server lives on, holding the AOF.
    process.kill(watchdog!, "SIGKILL");
    first.proc.kill("SIGKILL");
    await first.exited;
    await new Promise((r) => setTimeout(r, 300));
    expect(processAlive(orphan)).toBe(true);
    expect(existsSync(lockPath(data))).toBe(true); // The dead server's lock: stale, taken over below.

    const second = await startServe();
    const replacement = redisPid();
    expect(replacement).not.toBe(orphan);
    expect(processAlive(orphan)).toBe(false);
    const { conf, pidfile, dir: redisDir } = embeddedRedisPaths(data);
    expect(findOurRedis(pidfile, conf, redisDir)).toEqual([replacement]);

    // A plain SIGKILL (watchdog alive): the watchdog stops redis-server; nothing is left for the next start.
    second.proc.kill("SIGKILL");
    await second.exited;
    await until("the watchdog to stop redis-server", () => !processAlive(replacement));
    expect(findOurRedis(pidfile, conf, redisDir)).toEqual([]);
  }, 90_000);

  it("with a REDIS_URL that is down: says it is waiting, starts once Redis answers, and a SIGTERM meanwhile exits 0 at once", async () => {
    const redis = await startTestRedis();
    await redis.stop(); // The careless operator's Redis: configured, not running yet.
    const spawnWaiting = (dataDir: string) => {
      const proc = spawn(process.execPath, ["--import", "tsx", "src/cli.ts", "serve", "-c", configPath, "--data", dataDir, "--port", "0"], {
        env: { ...process.env, KEEPWATCH_LOG_LEVEL: "warn", KEEPWATCH_LOG_FORMAT: "json", REDIS_URL: redis.url },
        stdio: ["ignore", "pipe", "pipe"],
      });
      children.push(proc);
      const out = { text: "" };
      proc.stdout!.on("data", (b: Buffer) => (out.text += b.toString()));
      proc.stderr!.on("data", (b: Buffer) => (out.text += b.toString()));
      const exited = new Promise<number | null>((ok) => proc.once("exit", (code) => ok(code)));
      return { proc, out, exited };
    };
    try {
      // Redis comes up late (a deployment starting everything at once): KeepWatch starts by itself.
      const late = spawnWaiting(join(dir, "data-late-redis"));
      await until("the waiting warning", () => late.out.text.includes("waiting for Redis"), 30_000);
      expect(late.out.text).toContain(`"redis":"${redis.url}"`);
      expect(late.out.text).not.toContain("Unhandled error event"); // no ioredis noise per retry
      await redis.restart();
      await until("the start once Redis answers", () => late.out.text.includes("KeepWatch dashboard: "), 30_000);
      late.proc.kill("SIGTERM");
      expect(await late.exited).toBe(0);

      // Never comes up: a SIGTERM during the wait stops it at once, not after the 30 s limit with exit 1.
      await redis.stop();
      const never = spawnWaiting(join(dir, "data-no-redis"));
      await until("the waiting warning", () => never.out.text.includes("waiting for Redis"), 30_000);
      const signalledAt = Date.now();
      never.proc.kill("SIGTERM");
      expect(await never.exited).toBe(0);
      expect(Date.now() - signalledAt).toBeLessThan(20_000);
      expect(never.out.text).not.toContain("graceful stop took too long");
    } finally {
      await redis.cleanup();
    }
  }, 120_000);
});
