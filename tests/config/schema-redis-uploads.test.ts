// The redis.* and uploads.* settings: defaults, sizes as redis.conf writes them, and what is refused.
import { describe, expect, it } from "vitest";
import { configSchema } from "../../src/config/schema.js";

describe("redis and uploads settings", () => {
  it("defaults: everysec, 256 MB noeviction cap, free port, limits on", () => {
    const c = configSchema.parse({});
    expect(c.redis).toEqual({ port: 0, appendfsync: "everysec", maxmemory: 256 * 1024 ** 2, uploadMemoryHighWater: 0.9, commandTimeoutMs: 3000 });
    expect(c.uploads).toMatchObject({ requestsPerMinute: 60, concurrentPerToken: 2, inFlightBytes: 16 * 1024 ** 2 });
  });

  it("reads sizes with units and bytes", () => {
    const c = configSchema.parse({ redis: { maxmemory: "2gb", appendfsync: "always", port: 6390 }, uploads: { inFlightBytes: "64MB" } });
    expect(c.redis.maxmemory).toBe(2 * 1024 ** 3);
    expect(c.redis.appendfsync).toBe("always");
    expect(c.uploads.inFlightBytes).toBe(64 * 1024 ** 2);
    expect(configSchema.parse({ redis: { maxmemory: 1000 } }).redis.maxmemory).toBe(1000);
  });

  it("refuses what a careless or hostile operator might write", () => {
    for (const bad of [
      { redis: { appendfsync: "sometimes" } },
      { redis: { maxmemory: "lots" } },
      { redis: { maxmemory: "1tb; rm -rf /" } },
      { redis: { port: 70000 } },
      { redis: { uploadMemoryHighWater: 1.5 } },
      { redis: { commandTimeoutMs: 0 } },
      { uploads: { requestsPerMinute: 0 } },
      { uploads: { concurrentPerToken: -1 } },
      { uploads: { failedAuthPerMinutePerAddress: 2.5 } },
    ]) {
      expect(configSchema.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
  });
});
