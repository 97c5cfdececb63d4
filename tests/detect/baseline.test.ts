// Baselines: medians of per-window ratios, warm-up, exclusion of incident windows.
import { describe, expect, it } from "vitest";
import { computeBaseline, expectedPerformance, hourOfWeek } from "../../src/detect/baseline.js";
import { median } from "../../src/detect/median.js";
import { indexWindows } from "../../src/detect/window.js";
import { T0, WINDOW_MS, config, makeTargets, series } from "./synthetic.js";

const targets = makeTargets(2, 2);
const key = "KZ-75|kcell-mobile";

describe("median", () => {
  it("is the middle value, or the mean of the two middle ones, and null for none", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNull();
  });
});

describe("computeBaseline", () => {
  const rows = series({
    region: "KZ-75", network: "kcell-mobile", probes: ["p1"], targets, from: 0, to: 10,
    outcome: ({ window, target }) => {
      if (window >= 6) return { ok: false, blocking: "tcp" }; // an incident in windows 6..9
      return { ok: target.url !== targets[3]!.url, throughput: 1000 * (window + 1), tls: 0.1 };
    },
  });
  const windows = indexWindows(rows, 300).networks.get(key)!;

  it("takes medians per target and per list, and excludes windows inside incidents", () => {
    const b = computeBaseline(windows, [{ from: T0 + 6 * WINDOW_MS, to: null }], config({ warmupWindows: 6 }), 0);
    expect(b.windows).toBe(6);
    // Performance leaves out the first startupWindows (2) windows: the median of windows 3-6.
    expect(b.targets[targets[0]!.url]).toMatchObject({ ratio: 1, throughput: 4500, tlsHandshake: 0.1 });
    expect(b.targets[targets[0]!.url]?.failRate).toBeCloseTo(0.5 / 7); // (0 failures + ½) / (6 measurements + 1)
    expect(b.targets[targets[3]!.url]?.ratio).toBe(0); // blocked all along: usual success 0
    expect(b.lists).toEqual({ whitelisted: 1, non_whitelisted: 0.5 });
    expect(b.judgeableFrom).toBe(T0 + 6 * WINDOW_MS);
  });

  it("without the exclusion a long incident would become the baseline", () => {
    const b = computeBaseline(windows, [], config({ warmupWindows: 6 }), 0);
    expect(b.targets[targets[0]!.url]?.ratio).toBe(1);
    const longer = series({
      region: "KZ-75", network: "kcell-mobile", probes: ["p1"], targets, from: 0, to: 20,
      outcome: ({ window }) => (window >= 6 ? { ok: false, blocking: "tcp" } : { ok: true }),
    });
    const w2 = indexWindows(longer, 300).networks.get(key)!;
    expect(computeBaseline(w2, [], config(), 0).targets[targets[0]!.url]?.ratio).toBe(0);
    expect(computeBaseline(w2, [{ from: T0 + 6 * WINDOW_MS, to: T0 + 20 * WINDOW_MS }], config(), 0).targets[targets[0]!.url]?.ratio).toBe(1);
  });

  it("stays in warm-up (judgeableFrom null) with fewer than warmupWindows usable windows", () => {
    const b = computeBaseline(windows.slice(0, 5), [], config({ warmupWindows: 6 }), 0);
    expect(b.judgeableFrom).toBeNull();
    const sparse = computeBaseline(windows, [], config({ warmupWindows: 6, minSamples: 5 }), 0);
    expect(sparse.windows).toBe(0); // 4 measurements per window < minSamples
  });

  it("keeps hourly performance factors only for hours seen on enough different days, else the overall median", () => {
    // Hourly windows over 4 days: throughput halves at 18:00 UTC every day (an evening peak), and once,
    // on the last day only, at 03:00 (an event, not a pattern).
    const rows = series({
      region: "KZ-75", network: "kcell-mobile", probes: ["p1"], targets, from: 0, to: 4 * 24 * 12,
      outcome: ({ window }) => {
        const hour = Math.floor(window / 12) % 24;
        const day = Math.floor(window / 288);
        return { ok: true, throughput: hour === 18 || (hour === 3 && day === 3) ? 500 : 1000, tls: 0.1 };
      },
    });
    const w = indexWindows(rows, 300).networks.get(key)!;
    const b = computeBaseline(w, [], config({ startupWindows: 0, hourlyMinPeriods: 3 }), 0);
    const t = b.targets[targets[0]!.url]!;
    expect(t.throughput).toBe(1000);
    const at = (hour: number): number => T0 + hour * 3_600_000;
    expect(expectedPerformance(b, t, at(5 * 24 + 18)).throughput).toBe(500); // a day later, the same hour
    expect(expectedPerformance(b, t, at(5 * 24 + 3)).throughput).toBe(1000); // seen slow once: not the norm
    expect(expectedPerformance(b, t, at(5 * 24 + 12)).throughput).toBe(1000);
    expect(b.hours?.throughput).toEqual({}); // 4 days: no hour of the week was seen in 3 different weeks
    expect(hourOfWeek(T0)).toBe(0); // T0 is a Monday, 00:00 UTC
  });

  it("leaves start-up windows out of performance, not out of success", () => {
    const rows = series({
      region: "KZ-75", network: "kcell-mobile", probes: ["p1"], targets, from: 0, to: 8,
      outcome: ({ window }) => ({ ok: true, throughput: 1000, tls: window < 3 ? 2 : 0.1 }), // slow handshakes while starting
    });
    const b = computeBaseline(indexWindows(rows, 300).networks.get(key)!, [], config({ startupWindows: 3 }), 0);
    expect(b.targets[targets[0]!.url]).toMatchObject({ ratio: 1, tlsHandshake: 0.1 });
  });
});
