// The probe benchmark's figures: a row left out by KW_BENCH_PROBERS is reported as skipped, its ratios as
// null (never NaN or a ratio against zero), and the headline is the row `threads: auto` runs.
import { afterEach, describe, expect, it, vi } from "vitest";
import { addTally, emptyTally, figures, printFigures, ratioOf, type ProbeBenchFigures, type Tally } from "../../bench/probes-report.js";

const tally = (ok: number, cpuSeconds: number): Tally => ({
  ...emptyTally(), ok, seconds: 10, cpuSeconds, systemCpuSeconds: cpuSeconds / 10, serverCpuSeconds: cpuSeconds / 2,
  byThread: { main: cpuSeconds * 0.8, checkThreads: 0, helpers: cpuSeconds * 0.2 },
});

function bench(overrides: Partial<ProbeBenchFigures>): ProbeBenchFigures {
  const ran = figures(tally(1000, 2), true);
  return {
    seconds: 10, concurrency: 32, rounds: 1, warmupChecks: 1000, load: { start: 2, end: 2.5 },
    ours: ran, threads: 2, autoThreads: 1, oursThreaded: ran, oursOneConnection: ran, blackbox: ran, skipped: [],
    cpuRatio: 1, cpuRatioPool: 1, cpuRatioSameWork: 1, cpuRatioSingleThread: 1, ratio: 1, ratioPool: 1, ratioSingleThread: 1,
    ...overrides,
  };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("probe benchmark figures", () => {
  it("gives CPU per check and its split by thread per attempted check", () => {
    const t = emptyTally();
    addTally(t, tally(900, 1.8));
    addTally(t, { ...tally(100, 0.2), failed: 100 });
    const f = figures(t, true);
    expect(f.checks).toBe(1000);
    expect(f.failures).toBe(100);
    expect(f.cpuMsPerCheck).toBeCloseTo(2000 / 1100, 2);
    expect(f.byThreadMsPerCheck.main + f.byThreadMsPerCheck.helpers).toBeCloseTo(f.cpuMsPerCheck, 1);
  });

  it("has no ratio for a skipped row, on either side", () => {
    const ran = figures(tally(1000, 2), true);
    const skipped = figures(emptyTally(), false);
    expect(ratioOf(skipped, ran, "cpuMsPerCheck")).toBeNull();
    expect(ratioOf(ran, skipped, "cpuMsPerCheck")).toBeNull();
    expect(ratioOf(ran, skipped, "perSecond")).toBeNull();
    expect(ratioOf(figures(tally(1000, 3), true), ran, "cpuMsPerCheck")).toBe(1.5);
  });

  it("prints skipped rows as skipped and no NaN anywhere", () => {
    const lines: string[] = [];
    vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => {
      lines.push(args.join(" "));
    });
    const skipped = figures(emptyTally(), false);
    printFigures(bench({ blackbox: skipped, oursOneConnection: skipped, skipped: ["blackbox", "oursOneConnection"],
      cpuRatio: null, cpuRatioPool: null, cpuRatioSameWork: null, cpuRatioSingleThread: null, ratio: null, ratioPool: null,
      ratioSingleThread: null }));
    const text = lines.join("\n");
    expect(text).not.toMatch(/NaN|Infinity/);
    expect(text).toMatch(/^blackbox_exporter 0\.23 +\(skipped: KW_BENCH_PROBERS\)$/m);
    expect(text).toMatch(/^HEADLINE .*threads=auto → 1.*CPU per check: n\/a \(a row was skipped\)/m);
    expect(text).toMatch(/^skipped rows: blackbox, oursOneConnection$/m);
  });

  it("heads with the row auto runs, names the pool row by its threads, and shows the load average", () => {
    const lines: string[] = [];
    vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => {
      lines.push(args.join(" "));
    });
    printFigures(bench({ cpuRatio: 0.86, ratio: 1.3, cpuRatioPool: 1.12 }));
    const text = lines.join("\n");
    expect(text).toMatch(/^ours, threads=auto \(1\) /m);
    expect(text).toMatch(/^ours, threads=2 /m);
    expect(text).toMatch(/HEADLINE .*CPU per check: 0\.86× \(goal ≤ 1×\); checks\/s: 1\.3×; load average 2 → 2\.5/);
    expect(text).toMatch(/threads=2 1\.12×/);
  });
});
