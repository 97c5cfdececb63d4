// The private redis-server `keepwatch serve` starts when REDIS_URL is unset: a real process with its data
// (append-only file) in the data directory, and a clear error when redis-server is not installed.
import { afterEach, describe, expect, it } from "vitest";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { RedisNotInstalledError, startEmbeddedRedis } from "../../src/serve/embedded-redis.js";

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
const dataDir = () => {
  const d = mkdtempSync(join(tmpdir(), "kw-embedded-"));
  dirs.push(d);
  return d;
};

describe("startEmbeddedRedis", () => {
  it("runs redis-server on loopback with AOF in the data dir, and keeps data across a restart", async () => {
    const dir = dataDir();
    let redis = await startEmbeddedRedis(dir);
    expect(redis.url).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/);
    let client = new Redis(redis.url);
    expect(await client.config("GET", "appendonly")).toEqual(["appendonly", "yes"]);
    expect(await client.config("GET", "maxmemory-policy")).toEqual(["maxmemory-policy", "noeviction"]);
    await client.set("accepted", "kept");
    await client.quit();
    await redis.stop();
    expect(existsSync(join(dir, "redis"))).toBe(true);
    expect(readdirSync(join(dir, "redis")).some((f) => f.startsWith("appendonly"))).toBe(true);

    redis = await startEmbeddedRedis(dir);
    client = new Redis(redis.url);
    expect(await client.get("accepted")).toBe("kept");
    await client.quit();
    await redis.stop();
  });

  it("says how to get redis-server when it is not installed", async () => {
    await expect(startEmbeddedRedis(dataDir(), "redis-server-not-installed-here")).rejects.toBeInstanceOf(RedisNotInstalledError);
    await expect(startEmbeddedRedis(dataDir(), "redis-server-not-installed-here")).rejects.toThrow(/apt-get install redis-server.*REDIS_URL/);
  });
});
