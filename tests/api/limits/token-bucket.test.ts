import { describe, expect, it } from "vitest";
import { TokenBuckets } from "../../../src/api/limits/token-bucket.js";

describe("TokenBuckets", () => {
  it("lets a burst of `capacity` through, then says how long until the next token", () => {
    let t = 0;
    const b = new TokenBuckets(3, 60_000, 100, () => t);
    expect([b.take("a"), b.take("a"), b.take("a")].every((r) => r.ok)).toBe(true);
    expect(b.take("a")).toEqual({ ok: false, retryAfterMs: 20_000 });
    expect(b.take("b").ok).toBe(true); // Keys are independent.
    t = 20_000;
    expect(b.take("a").ok).toBe(true);
    expect(b.take("a").ok).toBe(false);
  });

  it("lets a charge overdraw, and makes the key wait until the debt is repaid", () => {
    let t = 0;
    const b = new TokenBuckets(10, 60_000, 100, () => t);
    b.charge("a", 25); // 10 → -15
    expect(b.waitMs("a")).toBe(96_000); // back to one whole token: 16 at 10 a minute
    t = 95_000;
    expect(Math.round(b.waitMs("a") / 10)).toBe(100);
    t = 96_000;
    expect(b.waitMs("a")).toBe(0);
  });

  it("forgets full buckets and never holds more than maxKeys", () => {
    let t = 0;
    const b = new TokenBuckets(2, 1_000, 50, () => t);
    for (let i = 0; i < 500; i++) b.take(`guess-${i}`);
    expect(b.size).toBe(50);
    t = 10_000;
    b.take("x");
    b.charge("x", -5); // Refilled past capacity: forgotten.
    expect(b.size).toBe(49);
  });
});
