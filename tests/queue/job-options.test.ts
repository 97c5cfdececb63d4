import { describe, expect, it } from "vitest";
import { RESULTS_STORE_BACKOFF, backoffDelay } from "../../src/queue/job-options.js";

describe("backoffDelay", () => {
  it("doubles from firstMs and never exceeds maxMs, however many attempts", () => {
    const b = RESULTS_STORE_BACKOFF;
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((n) => backoffDelay(n, b))).toEqual([1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000]);
    expect(backoffDelay(10_000, b)).toBe(60_000);
    expect(backoffDelay(0, b)).toBe(1000);
    // An hour of outage is about 60 attempts per job, not an unbounded spin.
    let t = 0;
    let n = 0;
    while (t < 3600_000) t += backoffDelay(++n, b);
    expect(n).toBeLessThan(70);
  });
});
