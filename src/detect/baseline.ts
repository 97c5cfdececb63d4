// A region × network's baseline: what is usual for it, from its own history before now — or, while an
// incident is open, before that incident began (the Detector picks the range). Robust by construction
// (medians of per-window ratios), and windows that were inside incidents are left out, so a site blocked
// for years has a usual success near 0 and never alarms.
//
// The prior (detector.prior: "works", the default) stands in where history cannot say what is usual:
//   - too little clean history (fewer than warmupWindows usable windows: a new deployment, or one whose
//     every window since it started is inside an incident): every target usually works. Only list-level
//     reachability is judged from it (a target's throughput and handshake have no usual yet);
//   - a whole list near zero (< failRatio) in the history while the control vantage reached those same
//     targets (≥ CONTROL_REACHES): a list of dozens of unrelated sites does not fail everywhere by
//     chance — that history is a regime the probe was deployed into (a region whitelist-only since
//     deployment), so the list's targets usually work, as they do from the control.
// A single target near zero while its list works stays learned: a site blocked for years never alarms.
// Pure; serialisable.
import type { TargetList } from "../measurement.js";
import type { DetectorConfig } from "../config/schema.js";
import { PRIOR_TARGET, type Baseline, type TargetBaseline } from "./baseline-types.js";
import { CadenceObserver } from "./cadence.js";
import { hourFactors, type WindowPerformance } from "./hour-factors.js";
import { median } from "./median.js";
import { push } from "./multimap.js";
import { blockedBy, reachable, type NetworkWindow } from "./window.js";

// What a baseline holds, and reading it by hour, live below this module; re-exported for its callers.
export { PRIOR_TARGET, type Baseline, type ControlBaseline, type HourFactors, type TargetBaseline } from "./baseline-types.js";
export { expectedPerformance, hourOfWeek } from "./hour-factors.js";

/** The control vantage reaches a list's targets when its success over them is at least this. */
export const CONTROL_REACHES = 0.5;

/** (failures + ½) / (measurements + 1): the failure rate a short or noisy history makes believable. */
function failRateOf(m: { n: number; failed: number }): number {
  return (m.failed + 0.5) / (m.n + 1);
}

/** The control vantage's view of one window, by URL (WindowIndex.control values fit). */
export type ControlView = ReadonlyMap<string, { total: number; ok: number }>;

/** A time interval [from, to) in epoch ms; `to` null means still open. */
export interface Interval {
  from: number;
  to: number | null;
}

export function insideAny(start: number, end: number, intervals: readonly Interval[]): boolean {
  return intervals.some((i) => start < (i.to ?? Number.POSITIVE_INFINITY) && end > i.from);
}

/**
 * Baseline from `windows` (one region × network), skipping windows with fewer than minSamples
 * measurements and windows overlapping `excluded` (incident intervals).
 */
export function computeBaseline(
  windows: readonly NetworkWindow[],
  excluded: readonly Interval[],
  config: BaselineSettings,
  computedAt: number,
): Baseline {
  const builder = new BaselineBuilder(excluded, config);
  builder.add(windows);
  return builder.build(computedAt);
}

export type BaselineSettings = Pick<DetectorConfig, "minSamples" | "warmupWindows" | "startupWindows" | "hourlyMinPeriods"> &
  Partial<Pick<DetectorConfig, "failRatio" | "prior">>;

/**
 * Accumulates per-window figures chunk by chunk, so a week of history can be read a day at a time and
 * only numbers (not rows) are held. Windows must be added in chronological order.
 */
export class BaselineBuilder {
  private readonly ratios = new Map<string, number[]>();
  private readonly throughputs = new Map<string, number[]>();
  private readonly handshakes = new Map<string, number[]>();
  private readonly measured = new Map<string, { n: number; failed: number }>();
  private readonly lists = new Map<string, TargetList>();
  private readonly listRatios: Record<TargetList, number[]> = { whitelisted: [], non_whitelisted: [] };
  /** Per window: the median over targets of throughput / handshake, and its hour of the week. */
  private readonly windowPerf: WindowPerformance[] = [];
  /** Per list, the control's success over the targets this network measured, per window it measured them. */
  private readonly controlRatios: Record<TargetList, number[]> = { whitelisted: [], non_whitelisted: [] };
  private readonly cadences = new Map<string, CadenceObserver>();
  private windowMs = 0;
  private used = 0;
  private judgeableFrom: number | null = null;

  constructor(
    private readonly excluded: readonly Interval[],
    private readonly config: Pick<DetectorConfig, "minSamples" | "warmupWindows"> & Partial<BaselineSettings>,
    /** Only windows starting in [from, to) count (the Detector's range: before an open incident). */
    private readonly range: { from: number; to: number } = { from: -Infinity, to: Infinity },
  ) {}

  /** `control`: the control vantage's view per window start, for the regime check. */
  add(windows: readonly NetworkWindow[], control?: ReadonlyMap<number, ControlView>): void {
    for (const w of windows) {
      if (w.start < this.range.from || w.start >= this.range.to) continue;
      this.observeCadence(w);
      if (w.total < this.config.minSamples || insideAny(w.start, w.end, this.excluded)) continue;
      this.used += 1;
      // Warm-up: a window is judged only once warmupWindows usable windows of history precede it.
      if (this.used === this.config.warmupWindows) this.judgeableFrom = w.end;
      // Start-up load (cold caches, the probe's own first rounds) is not the network's usual performance.
      const perf = this.used > (this.config.startupWindows ?? 0);
      const listSums: Record<TargetList, { ok: number; total: number }> = {
        whitelisted: { ok: 0, total: 0 },
        non_whitelisted: { ok: 0, total: 0 },
      };
      const controlSums: Record<TargetList, { ok: number; total: number }> = {
        whitelisted: { ok: 0, total: 0 },
        non_whitelisted: { ok: 0, total: 0 },
      };
      const cw = control?.get(w.start);
      const tps: number[] = [];
      const tlss: number[] = [];
      for (const t of w.targets.values()) {
        const c = cw?.get(t.url);
        if (c && c.total > 0) {
          controlSums[t.list].ok += c.ok;
          controlSums[t.list].total += c.total;
        }
        const ok = reachable(t, blockedBy(t, "http-failure"));
        push(this.ratios, t.url, ok / t.total);
        this.lists.set(t.url, t.list);
        const m = this.measured.get(t.url);
        if (m) {
          m.n += t.total;
          m.failed += t.total - ok;
        } else this.measured.set(t.url, { n: t.total, failed: t.total - ok });
        if (perf && t.throughputCount > 0) {
          const v = t.throughputSum / t.throughputCount;
          push(this.throughputs, t.url, v);
          tps.push(v);
        }
        if (perf && t.tlsHandshakeCount > 0) {
          const v = t.tlsHandshakeSum / t.tlsHandshakeCount;
          push(this.handshakes, t.url, v);
          tlss.push(v);
        }
        listSums[t.list].ok += ok;
        listSums[t.list].total += t.total;
      }
      for (const list of ["whitelisted", "non_whitelisted"] as const) {
        const sum = listSums[list];
        if (sum.total > 0) this.listRatios[list].push(sum.ok / sum.total);
        const c = controlSums[list];
        if (c.total > 0) this.controlRatios[list].push(c.ok / c.total);
      }
      if (tps.length > 0 || tlss.length > 0) {
        this.windowPerf.push({ at: w.start, throughput: median(tps), tlsHandshake: median(tlss) });
      }
    }
  }

  /** Every window with data counts for cadence, incidents and thin windows included. */
  private observeCadence(w: NetworkWindow): void {
    this.windowMs = w.end - w.start;
    const perProbe = new Map<string, { total: number; targets: number }>();
    for (const t of w.targets.values()) {
      for (const r of t.rows) {
        const p = perProbe.get(r.probeId) ?? { total: 0, targets: 0 };
        p.total += r.total;
        p.targets += 1;
        perProbe.set(r.probeId, p);
      }
    }
    for (const [probe, p] of perProbe) {
      let c = this.cadences.get(probe);
      if (!c) this.cadences.set(probe, (c = new CadenceObserver()));
      c.add(w.start, p.total / Math.max(1, p.targets));
    }
  }

  private cadence(): Record<string, number> | undefined {
    const out: Record<string, number> = {};
    for (const [probe, c] of [...this.cadences].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const s = c.seconds(this.windowMs);
      if (s !== null) out[probe] = Math.round(s);
    }
    return Object.keys(out).length > 0 ? out : undefined;
  }

  build(computedAt: number): Baseline {
    const usePrior = (this.config.prior ?? "works") === "works";
    if (usePrior && this.judgeableFrom === null) {
      // Too little clean history: the prior, judged from the first window on.
      const cadence = this.cadence();
      return {
        windows: this.used, judgeableFrom: 0, targets: {}, lists: {}, computedAt, source: "prior", fallback: PRIOR_TARGET,
        targetLists: Object.fromEntries(this.lists),
        ...(cadence ? { cadence } : {}),
      };
    }
    const targets: Record<string, TargetBaseline> = {};
    for (const [url, rs] of this.ratios) {
      const m = this.measured.get(url) ?? { n: 0, failed: 0 };
      targets[url] = {
        ratio: median(rs) ?? 0,
        throughput: median(this.throughputs.get(url) ?? []),
        tlsHandshake: median(this.handshakes.get(url) ?? []),
        failRate: failRateOf(m),
      };
    }
    const lists: Partial<Record<TargetList, number>> = {};
    for (const list of ["whitelisted", "non_whitelisted"] as const) {
      const m = median(this.listRatios[list]);
      if (m !== null) lists[list] = m;
    }
    const priorLists: TargetList[] = [];
    if (usePrior) {
      const failRatio = this.config.failRatio ?? 0.1;
      for (const list of ["whitelisted", "non_whitelisted"] as const) {
        const usual = lists[list];
        const control = median(this.controlRatios[list]);
        if (usual === undefined || usual >= failRatio || control === null || control < CONTROL_REACHES) continue;
        // A regime, not what is usual: the list's targets usually work, as they do from the control.
        priorLists.push(list);
        lists[list] = PRIOR_TARGET.ratio;
        for (const [url, l] of this.lists) {
          const t = targets[url];
          // The history's failures were the regime: the target's noise is unknown, as before any history.
          if (l === list && t) targets[url] = { ...PRIOR_TARGET, throughput: t.throughput, tlsHandshake: t.tlsHandshake };
        }
      }
    }
    const cadence = this.cadence();
    return {
      windows: this.used, judgeableFrom: this.judgeableFrom, targets, lists, hours: hourFactors(this.windowPerf, this.config.hourlyMinPeriods ?? Number.POSITIVE_INFINITY),
      targetLists: Object.fromEntries(this.lists), computedAt, source: "history",
      ...(priorLists.length > 0 ? { priorLists } : {}),
      ...(cadence ? { cadence } : {}),
    };
  }
}
