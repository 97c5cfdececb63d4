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
import { CadenceObserver } from "./cadence.js";
import { median } from "./median.js";
import { blockedBy, reachable, type ControlWindow, type NetworkWindow } from "./window.js";

export interface TargetBaseline {
  /** Median per-window success ratio. */
  ratio: number;
  /** Median per-window mean throughput (bytes/s), null when never measured. */
  throughput: number | null;
  /** Median per-window mean TLS handshake time (s), null when never measured. */
  tlsHandshake: number | null;
  /**
   * Failure rate per measurement, (failures + ½) / (measurements + 1): short or noisy history gives a
   * higher rate, so a blocking run must be longer before it is believed. Absent in baselines from before.
   */
  failRate?: number;
}

/**
 * Performance by hour: factors against the overall median, per hour of the week where that hour has
 * history from hourlyMinPeriods different weeks, else per hour of the day where it has history from that
 * many different days. One week (or day) of an hour is one sample: a regime then would be learnt as the
 * hour's norm.
 */
export interface HourFactors {
  throughput: Record<number, number>;
  tlsHandshake: Record<number, number>;
  /** Per hour of the day (0-23 UTC), the fallback. */
  throughputByDayHour?: Record<number, number>;
  tlsHandshakeByDayHour?: Record<number, number>;
}

export interface Baseline {
  /** Windows the baseline was computed from. */
  windows: number;
  /** Windows starting at or after this (epoch ms) may be judged; null while warming up. */
  judgeableFrom: number | null;
  targets: Record<string, TargetBaseline>;
  /** Median per-window success ratio per list. */
  lists: Partial<Record<TargetList, number>>;
  /** Hour-of-week performance factors (see hourOfWeek()); absent in baselines from before. */
  hours?: HourFactors;
  /** Each target's list (to know how much of a list a window should hold); absent in baselines from before. */
  targetLists?: Record<string, TargetList>;
  computedAt: number;
  /** Set when the history ended before now (at an open incident's start): epoch ms. */
  until?: number;
  /** "history": learned from enough clean windows; "prior": too little clean history, the prior stands in. */
  source?: "history" | "prior";
  /** Lists whose history was a regime (near zero while the control reached them), replaced by the prior. */
  priorLists?: TargetList[];
  /** Observed seconds between two rounds, per probe (cadence.ts), for darkness. */
  cadence?: Record<string, number>;
  /** Usual figures for a target the history does not know (the prior); absent: such a target is not judged. */
  fallback?: TargetBaseline;
}

/** Hour of the week, 0 = Monday 00:00-01:00 UTC. Performance differs by hour (evening peaks). */
export function hourOfWeek(ms: number): number {
  const d = new Date(ms);
  return ((d.getUTCDay() + 6) % 7) * 24 + d.getUTCHours();
}

/** The target's usual throughput / TLS handshake for the hour of `at`, falling back to the overall median. */
export function expectedPerformance(b: Baseline, t: TargetBaseline, at: number): { throughput: number | null; tlsHandshake: number | null } {
  const h = hourOfWeek(at);
  const d = h % 24;
  const tp = b.hours?.throughput[h] ?? b.hours?.throughputByDayHour?.[d] ?? 1;
  const tls = b.hours?.tlsHandshake[h] ?? b.hours?.tlsHandshakeByDayHour?.[d] ?? 1;
  return {
    throughput: t.throughput === null ? null : t.throughput * tp,
    tlsHandshake: t.tlsHandshake === null ? null : t.tlsHandshake * tls,
  };
}

/** The control vantage reaches a list's targets when its success over them is at least this. */
export const CONTROL_REACHES = 0.5;
/** What the prior says a target usually does: works; no throughput or handshake figure is known. */
/**
 * What a target is assumed to be before history says otherwise: it works, and its noise is unknown — the
 * failure rate of no measurements, (0 + ½) / (0 + 1), so a block needs the longest run (blockAfterMax).
 */
export const PRIOR_TARGET: TargetBaseline = { ratio: 1, throughput: null, tlsHandshake: null, failRate: 0.5 };

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
  private readonly windowPerf: { at: number; throughput: number | null; tlsHandshake: number | null }[] = [];
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
      windows: this.used, judgeableFrom: this.judgeableFrom, targets, lists, hours: this.hourFactors(),
      targetLists: Object.fromEntries(this.lists), computedAt, source: "history",
      ...(priorLists.length > 0 ? { priorLists } : {}),
      ...(cadence ? { cadence } : {}),
    };
  }

  /** Hour factors: per hour, the median over periods (weeks or days) of that hour's median, over the overall median. */
  private hourFactors(): HourFactors {
    const min = this.config.hourlyMinPeriods ?? Number.POSITIVE_INFINITY;
    const out: HourFactors = { throughput: {}, tlsHandshake: {}, throughputByDayHour: {}, tlsHandshakeByDayHour: {} };
    for (const field of ["throughput", "tlsHandshake"] as const) {
      const all = this.windowPerf.map((p) => p[field]).filter((v): v is number => v !== null);
      const overall = median(all);
      if (overall === null || overall <= 0) continue;
      const factors = (hourOf: (ms: number) => number, periodMs: number): Record<number, number> => {
        const byHour = new Map<number, Map<number, number[]>>(); // hour -> period -> values
        for (const p of this.windowPerf) {
          const v = p[field];
          if (v === null) continue;
          const hour = hourOf(p.at);
          let periods = byHour.get(hour);
          if (!periods) byHour.set(hour, (periods = new Map()));
          push(periods, Math.floor(p.at / periodMs), v);
        }
        const result: Record<number, number> = {};
        for (const [hour, periods] of byHour) {
          if (periods.size < min) continue;
          const m = median([...periods.values()].map((vs) => median(vs) ?? 0));
          if (m !== null) result[hour] = m / overall;
        }
        return result;
      };
      out[field] = factors(hourOfWeek, 7 * 86_400_000);
      out[field === "throughput" ? "throughputByDayHour" : "tlsHandshakeByDayHour"] = factors((ms) => new Date(ms).getUTCHours(), 86_400_000);
    }
    return out;
  }
}

/** The control vantage's usual performance per target, for telling a slow server from throttling. */
export type ControlBaseline = Record<string, { throughput: number | null; tlsHandshake: number | null }>;

/** Medians of the control's per-window performance per target; windows must be added in order. */
export class ControlBaselineBuilder {
  private readonly throughputs = new Map<string, number[]>();
  private readonly handshakes = new Map<string, number[]>();

  add(windows: Iterable<ControlWindow>): void {
    for (const cw of windows) {
      for (const [url, c] of cw) {
        if (c.throughputCount > 0) push(this.throughputs, url, c.throughputSum / c.throughputCount);
        if (c.tlsHandshakeCount > 0) push(this.handshakes, url, c.tlsHandshakeSum / c.tlsHandshakeCount);
      }
    }
  }

  build(): ControlBaseline {
    const out: ControlBaseline = {};
    for (const url of new Set([...this.throughputs.keys(), ...this.handshakes.keys()])) {
      out[url] = { throughput: median(this.throughputs.get(url) ?? []), tlsHandshake: median(this.handshakes.get(url) ?? []) };
    }
    return out;
  }
}

function push<K>(map: Map<K, number[]>, key: K, value: number): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
