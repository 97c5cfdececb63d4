// The private redis-server `keepwatch serve` starts when REDIS_URL is unset: a real process with its data
// (append-only file) in the data directory, supervised (restarted when it dies), found and stopped through
// its pidfile when a crashed KeepWatch left it running, stopped by its watchdog when KeepWatch is killed, and
// a clear error when redis-server is not installed.
import { afterEach, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { embeddedRedisPaths, RedisNotInstalledError, startEmbeddedRedis, type EmbeddedRedis } from "../../src/serve/embedded-redis.js";
import { findOurRedis, processAlive, readPidfile } from "../../src/serve/redis-pidfile.js";

const dirs: string[] = [];
const running: EmbeddedRedis[] = [];
const pidsToKill: number[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.stop()));
  for (const pid of pidsToKill.splice(0)) if (processAlive(pid)) process.kill(pid, "SIGKILL");
  dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true }));
});
const dataDir = () => {
  const d = mkdtempSync(join(tmpdir(), "kw-embedded-"));
  dirs.push(d);
  return d;
};
const start = async (dir: string, opts: Parameters<typeof startEmbeddedRedis>[1] = {}) => {
  const r = await startEmbeddedRedis(dir, { restartDelayMs: 100, ...opts });
  running.push(r);
  return r;
};
async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("startEmbeddedRedis", () => {
  it("runs redis-server on loopback with AOF in the data dir, the configured limits, and keeps data across a restart", async () => {
    const dir = dataDir();
    let redis = await startEmbeddedRedis(dir, { appendfsync: "always", maxmemory: 64 * 1024 * 1024 });
    expect(redis.url).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/);
    let client = new Redis(redis.url);
    expect(await client.config("GET", "appendonly")).toEqual(["appendonly", "yes"]);
    expect(await client.config("GET", "appendfsync")).toEqual(["appendfsync", "always"]);
    expect(await client.config("GET", "maxmemory")).toEqual(["maxmemory", String(64 * 1024 * 1024)]);
    expect(await client.config("GET", "maxmemory-policy")).toEqual(["maxmemory-policy", "noeviction"]);
    expect(await client.config("GET", "bind")).toEqual(["bind", "127.0.0.1"]);
    expect(readPidfile(embeddedRedisPaths(dir).pidfile)).toBe(redis.pid());
    await client.set("accepted", "kept");
    await client.quit();
    await redis.stop();
    expect(existsSync(embeddedRedisPaths(dir).pidfile)).toBe(false);
    expect(readdirSync(join(dir, "redis")).some((f) => f.startsWith("appendonly"))).toBe(true);

    redis = await start(dir);
    client = new Redis(redis.url);
    expect(await client.get("accepted")).toBe("kept");
    await client.quit();
  });

  it("uses the configured port", async () => {
    const probe = await start(dataDir());
    const port = probe.port;
    await probe.stop();
    const redis = await start(dataDir(), { port });
    expect(redis.url).toBe(`redis://127.0.0.1:${port}`);
  });

  it("says how to get redis-server when it is not installed", async () => {
    await expect(startEmbeddedRedis(dataDir(), { binary: "redis-server-not-installed-here" })).rejects.toBeInstanceOf(RedisNotInstalledError);
    await expect(startEmbeddedRedis(dataDir(), { binary: "redis-server-not-installed-here" })).rejects.toThrow(/apt-get install redis-server.*REDIS_URL/);
  });
});

describe("supervision", () => {
  it("restarts a redis-server that died, on the same port with its data, and clients reconnect by themselves", async () => {
    const dir = dataDir();
    const redis = await start(dir, { appendfsync: "always" });
    const client = new Redis(redis.url, { maxRetriesPerRequest: null });
    client.on("error", () => undefined); // Refused connections while it is down are expected.
    await client.set("before-crash", "kept");
    const first = redis.pid()!;
    process.kill(first, "SIGKILL");
    await until("a new redis-server", () => redis.pid() !== null && redis.pid() !== first);
    expect(redis.restarts()).toBe(1);
    expect(await client.get("before-crash")).toBe("kept");
    expect(readPidfile(embeddedRedisPaths(dir).pidfile)).toBe(redis.pid());
    // Dies again right away: still restarted (backoff grows, it does not give up).
    process.kill(redis.pid()!, "SIGKILL");
    await until("the second restart", () => redis.restarts() === 2);
    expect(await client.get("before-crash")).toBe("kept");
    client.disconnect();
  });

  it("stops a redis-server a crashed KeepWatch left on the same directory before starting its own", async () => {
    const dir = dataDir();
    const first = await startEmbeddedRedis(dir, { appendfsync: "always" });
    const c1 = new Redis(first.url);
    await c1.set("from-before", "kept");
    await c1.quit();
    await first.stop();
    // The orphan: the same config and dir, as the crashed KeepWatch had started it, pidfile included.
    const { dir: redisDir, conf, pidfile } = embeddedRedisPaths(dir);
    const orphan = spawn("redis-server", [conf], { cwd: redisDir, detached: true, stdio: "ignore" });
    pidsToKill.push(orphan.pid!);
    writeFileSync(pidfile, `${orphan.pid}\n`);
    await until("the orphan to run", () => findOurRedis(pidfile, conf, redisDir).includes(orphan.pid!));

    const next = await start(dir);
    expect(processAlive(orphan.pid!)).toBe(false);
    expect(findOurRedis(pidfile, conf, redisDir)).toEqual([next.pid()]);
    const c2 = new Redis(next.url);
    expect(await c2.get("from-before")).toBe("kept");
    await c2.quit();
  });

  it("finds an orphan even without its pidfile, and never signals a recycled pid named in a stale pidfile", async () => {
    const dir = dataDir();
    const first = await startEmbeddedRedis(dir);
    await first.stop();
    const { dir: redisDir, conf, pidfile } = embeddedRedisPaths(dir);
    const orphan = spawn("redis-server", [conf], { cwd: redisDir, detached: true, stdio: "ignore" });
    pidsToKill.push(orphan.pid!);
    const bystander = spawn("sleep", ["60"], { cwd: redisDir, detached: true, stdio: "ignore" });
    pidsToKill.push(bystander.pid!);
    writeFileSync(pidfile, `${bystander.pid}\n`);
    await until("the orphan to run", () => findOurRedis(pidfile, conf, redisDir).includes(orphan.pid!));

    const next = await start(dir);
    expect(processAlive(bystander.pid!)).toBe(true);
    expect(processAlive(orphan.pid!)).toBe(false);
    expect(readPidfile(pidfile)).toBe(next.pid());
  });

  it("its watchdog stops redis-server when the KeepWatch process is SIGKILLed", async () => {
    const dir = dataDir();
    const child = spawn(process.execPath, ["--import", "tsx", "tests/serve/fixtures/embedded-redis-child.ts", dir], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    const line = await new Promise<string>((ok, fail) => {
      let out = "";
      child.stdout.on("data", (b: Buffer) => {
        out += b.toString();
        if (out.includes("\n")) ok(out.split("\n")[0]!);
      });
      child.once("exit", (code) => fail(new Error(`child exited ${code}`)));
    });
    const { pid } = JSON.parse(line) as { pid: number };
    pidsToKill.push(pid);
    expect(processAlive(pid)).toBe(true);
    child.kill("SIGKILL");
    await until("redis-server to stop after its parent died", () => !processAlive(pid), 10_000);
    // Nothing left to replace, and the next start finds a clean directory (a stale pidfile is fine).
    const { conf, pidfile, dir: redisDir } = embeddedRedisPaths(dir);
    expect(findOurRedis(pidfile, conf, redisDir)).toEqual([]);
    expect(readFileSync(conf, "utf8")).toContain("noeviction");
  });
});
