import { describe, expect, it } from "vitest";
import { TokenBucketLimiter } from "../../src/helper/rate-limit.js";

describe("TokenBucketLimiter", () => {
  it("allows a burst, then one request per refill interval, per key", () => {
    let now = 0;
    const limiter = new TokenBucketLimiter({ perMinute: 6, burst: 3 }, () => now);
    expect([limiter.take("a"), limiter.take("a"), limiter.take("a")]).toEqual([0, 0, 0]);
    expect(limiter.take("a")).toBe(10); // 6/min: the next token in 10 s
    expect(limiter.take("b")).toBe(0); // another probe has its own bucket
    now += 9_000;
    expect(limiter.take("a")).toBeGreaterThan(0);
    now += 1_000;
    expect(limiter.take("a")).toBe(0);
    now += 3_600_000; // a quiet hour refills to the burst, not beyond
    expect([limiter.take("a"), limiter.take("a"), limiter.take("a"), limiter.take("a")].filter((w) => w === 0)).toHaveLength(3);
  });
});
