// The probes' one rounding of durations and rates (probes/duration.ts): to the microsecond, never negative,
// and — the point of it — printed in JSON with at most six decimals, checked exactly over millions of values
// of every magnitude a probe can report and many it never will.
import { describe, expect, it } from "vitest";
import { durationSeconds, roundRate, roundSeconds } from "../../probes/duration.js";
import { mulberry32 } from "../fixtures/seeded-random.js";

/** x × 10^6 rounded half up, in exact arithmetic on the double's own bits (no float operation can blur it). */
function exactMicros(x: number): bigint {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const field = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & ((1n << 52n) - 1n);
  const mantissa = field === 0 ? fraction : fraction | (1n << 52n);
  const exponent = (field === 0 ? 1 : field) - 1075; // x = mantissa × 2^exponent
  if (exponent >= 0) return (mantissa << BigInt(exponent)) * 1_000_000n;
  const den = 1n << BigInt(-exponent);
  return (2n * mantissa * 1_000_000n + den) / (2n * den);
}

/** n microseconds as a decimal string: what JSON must print for roundSeconds of a value near n µs. */
function microsText(n: number | bigint): string {
  const digits = String(n).padStart(7, "0");
  const whole = digits.slice(0, -6).replace(/^0+(?=\d)/, "");
  const fraction = digits.slice(-6).replace(/0+$/, "");
  return fraction === "" ? whole : `${whole}.${fraction}`;
}

/** Seconds as a probe computes them: a difference of two performance.now() readings, divided by 1000. */
function performanceNowDifference(rand: () => number): number {
  const from = rand() * 3_600_000 * 24 * 30; // up to a month of process uptime, in ms
  return (from + rand() * 20_000 - from) / 1000;
}

describe("roundSeconds", () => {
  it("drops the float noise of a performance.now() difference", () => {
    expect(roundSeconds(0.043187262999999)).toBe(0.043187);
    expect(JSON.stringify(roundSeconds(0.043187262999999))).toBe("0.043187");
    expect(roundSeconds(0.1 + 0.2)).toBe(0.3);
    expect(JSON.stringify(roundSeconds(0.1 + 0.2))).toBe("0.3");
    expect(roundSeconds(1.0000004)).toBe(1);
    expect(roundSeconds(1.0000006)).toBe(1.000001);
    expect(roundSeconds(12)).toBe(12);
  });

  it("is never negative: a clock step or a reversed pair reads 0, not a negative time", () => {
    expect(roundSeconds(-0.25)).toBe(0);
    expect(roundSeconds(-1e-12)).toBe(0);
    expect(Object.is(roundSeconds(-0), 0)).toBe(true);
    expect(Object.is(roundSeconds(-4e-7), 0)).toBe(true);
    expect(roundSeconds(-Infinity)).toBe(0);
  });

  it("rounds below half a microsecond to 0 and keeps 1 µs", () => {
    expect(roundSeconds(4e-7)).toBe(0);
    expect(roundSeconds(1e-6)).toBe(0.000001);
    expect(JSON.stringify(roundSeconds(1e-6))).toBe("0.000001"); // not 1e-6
    expect(JSON.stringify(roundSeconds(6.4e-6))).toBe("0.000006");
  });

  it("passes non-finite values through as the probes reported them before", () => {
    expect(roundSeconds(Number.NaN)).toBeNaN();
    expect(roundSeconds(Infinity)).toBe(Infinity);
  });

  it("keeps huge values whole and within half a microsecond, never adding digits", () => {
    for (const x of [2 ** 33 - 0.1234567, 2 ** 33, 2 ** 33 + 0.1234567, 9_007_199_254.740993, 1e12 + 0.5, 1e21, 1e300, Number.MAX_VALUE]) {
      const r = roundSeconds(x);
      expect(Math.abs(r - x)).toBeLessThanOrEqual(Math.max(5e-7, x * Number.EPSILON));
      expect(JSON.stringify(r)).toMatch(/^\d+(\.\d{1,6})?$|^\d(\.\d+)?e\+\d+$/);
    }
    expect(roundSeconds(Number.MAX_VALUE)).toBe(Number.MAX_VALUE);
  });

  it("prints exactly the microsecond decimal for every value up to 1 s, and is idempotent", () => {
    for (let n = 0; n <= 1_000_000; n++) {
      const x = n / 1e6;
      const r = roundSeconds(x);
      if (JSON.stringify(r) !== microsText(n) || roundSeconds(r) !== r) {
        expect({ n, printed: JSON.stringify(r), again: roundSeconds(r) }).toEqual({ n, printed: microsText(n), again: r });
      }
    }
  });

  it("prints exactly x rounded to the microsecond for a million values of every magnitude, and is idempotent", () => {
    const rand = mulberry32(11);
    const bad: string[] = [];
    for (let i = 0; i < 1_000_000; i++) {
      // Log-uniform from 1e-9 s to 2^33 s (where doubles get coarser than a microsecond), ties at half a
      // microsecond, and probe-like differences.
      const x = i % 3 === 0 ? 10 ** (rand() * 18.93 - 9) : i % 3 === 1 ? (Math.floor(rand() * 1e9) + 0.5) / 1e6 : performanceNowDifference(rand);
      const r = roundSeconds(x);
      const printed = JSON.stringify(r);
      if (printed !== microsText(exactMicros(x)) || roundSeconds(r) !== r) bad.push(`${x} -> ${printed}`);
    }
    expect(bad.slice(0, 10)).toEqual([]);
  });

  it("the naive Math.round(x * 1e6) / 1e6 is not exact (why probes/duration.ts uses toFixed)", () => {
    const x = 4_384_098_173.3864975;
    const naive = Math.round(x * 1e6) / 1e6;
    expect(Math.round(naive * 1e6) / 1e6).not.toBe(naive); // rounding twice moves it
    expect(JSON.stringify(roundSeconds(x))).toBe(microsText(exactMicros(x)));
  });
});

describe("durationSeconds", () => {
  it("is the time from one performance.now() reading to another, to the microsecond", () => {
    expect(durationSeconds(1_000, 1_043.187262999999)).toBe(0.043187);
    expect(durationSeconds(123_456_789.123, 123_456_789.123)).toBe(0);
    expect(durationSeconds(5_000, 4_000)).toBe(0); // reversed: never negative
  });

  it("keeps null for a moment that never came", () => {
    expect(durationSeconds(null, 5)).toBeNull();
    expect(durationSeconds(5, null)).toBeNull();
    expect(durationSeconds(null, null)).toBeNull();
  });
});

describe("roundRate", () => {
  it("gives whole bytes per second, never negative", () => {
    expect(roundRate(2_345_678.4999)).toBe(2_345_678);
    expect(roundRate(4_194_304 / 1.234567891)).toBe(3_397_386);
    expect(roundRate(1)).toBe(1);
    expect(roundRate(-5)).toBe(0);
  });

  it("keeps three decimals of a trickle under 1 B/s rather than flattening it to 0 or 1", () => {
    expect(roundRate(7 / 10.000123)).toBe(0.7);
    expect(roundRate(1 / 3)).toBe(0.333);
    expect(JSON.stringify(roundRate(1 / 3))).toBe("0.333");
    expect(roundRate(0.9996)).toBe(1);
  });

  it("passes non-finite values through", () => {
    expect(roundRate(Number.NaN)).toBeNaN();
    expect(roundRate(Infinity)).toBe(Infinity);
  });
});
