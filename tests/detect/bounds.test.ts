// Exact bounds from raw facts at a finding's edges, and the summary sentence built from them.
import { describe, expect, it } from "vitest";
import { measurementFacts, type MeasurementFacts } from "../../src/measurement.js";
import { NO_LONGER_MEASURED, refineBounds, windowBounds } from "../../src/detect/bounds.js";
import type { Finding } from "../../src/detect/types.js";
import { summarize } from "../../src/detect/summary.js";
import { fixtureMeasurement } from "../fixtures/measurement.js";

const W = 300_000;
const T = Date.UTC(2026, 0, 5, 18, 0);
const A = "https://a.example.com/";
const B = "https://b.example.com/";

function fact(url: string, at: number, accessible: boolean): MeasurementFacts {
  return measurementFacts(fixtureMeasurement({ url, startedAt: new Date(at).toISOString(), accessible, blocking: accessible ? null : "tcp", list: "non_whitelisted" }));
}

const f: Finding = {
  region: "KZ-75", network: "kcell-mobile", kind: "service_blocking", kinds: [], seededFrom: null,
  firstBad: { start: T, end: T + W, lastAt: T + 200_000 }, lastBad: { start: T + W, end: T + 2 * W, lastAt: T + W + 200_000 },
  lastGood: { start: T - W, end: T, lastAt: T - 10_000 }, recovery: { start: T + 2 * W, end: T + 3 * W, lastAt: T + 2 * W + 250_000 },
  targets: [A], affectedUrls: [A], probes: [], maxAgreeingProbes: 1, networks: [], controlAvailable: true, controlCoverage: 1,
  confidence: "suspected", counts: {}, figures: {},
};

describe("bounds", () => {
  it("falls back to window edges without facts", () => {
    expect(windowBounds(f)).toEqual({ startedAt: new Date(T).toISOString(), lastGoodAt: new Date(T - 10_000).toISOString(), endedAt: new Date(T + 2 * W).toISOString() });
  });

  it("startedAt is the first bad measurement of an affected target, lastGoodAt the last good one before, endedAt the first good one after", () => {
    const opening = [
      fact(A, T - 120_000, true), fact(B, T - 5_000, false), // B is not affected: ignored
      fact(A, T + 40_000, true), fact(A, T + 70_000, false), fact(A, T + 100_000, false), fact(B, T + 10_000, false),
    ];
    const recovery = [fact(A, T + 2 * W + 5_000, false), fact(A, T + 2 * W + 65_000, true), fact(B, T + 2 * W + 1_000, true)];
    expect(refineBounds(f, { opening, recovery })).toEqual({
      startedAt: new Date(T + 70_000).toISOString(),
      lastGoodAt: new Date(T + 40_000).toISOString(),
      endedAt: new Date(T + 2 * W + 65_000).toISOString(),
    });
  });
});

describe("bounds of a run", () => {
  it("startedAt walks back from the first bad window to the first failure after the last success", () => {
    // The cut began in the window before the first one classified bad (after A's last success there).
    const opening = [fact(A, T - W + 10_000, true), fact(A, T - W + 200_000, false), fact(A, T + 30_000, false)];
    expect(refineBounds(f, { opening, recovery: [] })).toMatchObject({
      startedAt: new Date(T - W + 200_000).toISOString(), lastGoodAt: new Date(T - W + 10_000).toISOString(),
    });
  });

  it("lastGoodAt is null, never a failed measurement, when the facts hold no success before the run", () => {
    const opening = [fact(A, T - W + 100_000, false), fact(A, T + 30_000, false)];
    expect(refineBounds(f, { opening, recovery: [] }).lastGoodAt).toBeNull();
  });

  it("a target no longer measured at all closes with that reason at the end of its last measured window", () => {
    const recovery = [fact(B, T + 2 * W + 5_000, true)]; // the region is measured, A is not
    const bounds = refineBounds({ ...f, lastMeasured: f.lastBad }, { opening: [fact(A, T + 30_000, false)], recovery });
    expect(bounds).toMatchObject({ endedAt: new Date(T + 2 * W).toISOString(), endReason: NO_LONGER_MEASURED });
    const withA = refineBounds(f, { opening: [fact(A, T + 30_000, false)], recovery: [...recovery, fact(A, T + 2 * W + 9_000, true)] });
    expect(withA.endReason).toBeUndefined();
    expect(withA.endedAt).toBe(new Date(T + 2 * W + 9_000).toISOString());
  });

  it("throttling is bounded by slow measurements, not by failures", () => {
    const slowFact = (at: number, bps: number): MeasurementFacts => ({ ...fact(A, at, true), bytesPerSecond: bps });
    const t: Finding = { ...f, kind: "throttling", slowWhen: { [A]: { throughputBelow: 400_000, tlsAbove: null } } };
    const opening = [slowFact(T - W + 10_000, 2_000_000), slowFact(T - W + 200_000, 100_000), slowFact(T + 30_000, 90_000)];
    const recovery = [slowFact(T + 2 * W + 5_000, 100_000), slowFact(T + 2 * W + 60_000, 1_900_000)];
    expect(refineBounds(t, { opening, recovery })).toMatchObject({
      startedAt: new Date(T - W + 200_000).toISOString(), lastGoodAt: new Date(T - W + 10_000).toISOString(),
      endedAt: new Date(T + 2 * W + 60_000).toISOString(),
    });
  });
});

describe("summary", () => {
  it("is one quotable sentence naming place, what and when", () => {
    const s = summarize({
      kind: "whitelist_only", region: "KZ-47", regionName: "Mangystau", network: "kcell-mobile",
      startedAt: "2026-01-05T13:02:10.000Z", endedAt: "2026-01-05T18:40:00.000Z", lastGoodAt: null, targets: [],
      figures: { whitelistedObserved: 0.96, nonWhitelistedObserved: 0.02, nonWhitelistedUsual: 0.97 },
    });
    expect(s).toBe("On network kcell-mobile in Mangystau (KZ-47), access was reduced to a whitelist: whitelisted services kept working (96% success) while other sites failed (2% against a usual 97%), from 2026-01-05 13:02 UTC to 2026-01-05 18:40 UTC.");
    const blocked = summarize({
      kind: "service_blocking", region: "KZ-75", network: "beeline", startedAt: "2026-01-05T13:02:10.000Z", endedAt: null,
      lastGoodAt: null, targets: ["https://t.me/", "https://web.whatsapp.com/", "https://signal.org/", "https://x.com/"], figures: {},
    });
    expect(blocked).toBe("On network beeline in KZ-75, 4 sites were blocked (t.me, web.whatsapp.com, signal.org and 1 more) while other sites kept working, from 2026-01-05 13:02 UTC, ongoing.");
  });
});
