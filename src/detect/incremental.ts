// The detector's pure core across passes. Every pass still re-derives the whole horizon (so late,
// spooled measurements revise what was published, on the very next pass), but a window's verdict is
// kept from the pass before when nothing it depends on changed: its own data (the activity fingerprint),
// the control vantage's data for that window, and the network's baseline (by identity). So a routine
// pass reads and classifies only the newest window(s); late data costs only the windows it landed in.
// A window's verdict also depends on the runs of bad measurements carried in from the windows before it
// (runs.ts): when a window classified again carries out other runs than before, the later windows are
// classified again too (at once when their rows were read, else on a second plan/finish round: retry).
// Findings are exactly what the one-shot evaluate() of tests/detect/evaluate-once.ts gives over the
// same data (tests/detect/incremental.test.ts).
// Two steps, no I/O: plan() says which rows to read, finish() classifies them and assembles findings.
import type { DetectorConfig } from "../config/schema.js";
import type { TargetStatsRow } from "../store/store.js";
import type { Activity } from "./activity.js";
import type { Baseline, ControlBaseline } from "./baseline-types.js";
import { classifyWindow, type WindowVerdict } from "./classify.js";
import type { EvaluateResult, ProbeSeen } from "./types.js";
import { findingsOf, type NetworkSeries } from "./findings.js";
import type { Seed } from "./hysteresis.js";
import { NO_CARRY, type Carry } from "./runs.js";
import { controlNear, indexWindows } from "./window.js";

/** Rows to read with store.targetStats: bucket starts in [since, until), of one region or (no region) all. */
export interface RowRead {
  since: number;
  until: number;
  region?: string;
  /** Keep only rows of this role (the control's neighbour windows are read on their own). */
  role?: "region" | "control";
}

export interface PlanInput {
  activity: Activity;
  /** Per networkKey; a different object than last pass means a new baseline. */
  baselines: ReadonlyMap<string, Baseline>;
  /** The control vantage's usual performance; a different object means a new one. */
  controlBaseline?: ControlBaseline | undefined;
  /** Re-derive windows starting in [from, now). */
  from: number;
  now: number;
}

export interface PassPlan extends PlanInput {
  /** Window starts to (re)classify, per networkKey. */
  dirty: Map<string, Set<number>>;
  reads: RowRead[];
}

export interface FinishInput {
  seeds: ReadonlyMap<string, Seed>;
  regions: readonly string[];
  seen: readonly ProbeSeen[];
}

export interface IncrementalResult extends EvaluateResult {
  /** Windows classified this pass (the rest came from the cache). */
  classified: number;
  /**
   * Some windows whose rows were not read carry runs that changed (late data before them altered a run):
   * plan() again (it includes them), read, and finish() again before using these findings.
   */
  retry: boolean;
}

/** Runs compared by value: a window classified again often carries out exactly what it did before. */
export function sameCarry(a: Carry, b: Carry): boolean {
  if (a === b) return true;
  if (a.size !== b.size) return false;
  for (const [url, probes] of a) {
    const other = b.get(url);
    if (!other || other.size !== probes.size) return false;
    for (const [probe, r] of probes) {
      const o = other.get(probe);
      if (!o || o.fails !== r.fails || o.failSince !== r.failSince || o.slow !== r.slow || o.slowSince !== r.slowSince || o.seen !== r.seen) return false;
    }
  }
  return true;
}

interface Cached {
  print: string;
  controlPrint: string;
  baseline: Baseline | undefined;
  controlBaseline: ControlBaseline | undefined;
  verdict: WindowVerdict;
  /** Runs after this window. */
  carry: Carry;
}

/** The control's fingerprint near a window: the window and the one before (see controlNear()). */
function controlPrintNear(prints: ReadonlyMap<number, string>, start: number, windowMs: number): string {
  return `${prints.get(start - windowMs) ?? ""}#${prints.get(start) ?? ""}`;
}

/** More separate reads than this and one read spans them all (fewer round trips beat fewer rows). */
const MAX_READS = 16;

export class IncrementalEvaluator {
  private cache = new Map<string, Map<number, Cached>>();
  /**
   * Runs carried into each window, kept across clear(): the first window of a later horizon starts
   * from what came before it, so a run that began before the horizon is not forgotten by a full pass.
   */
  private carryIn = new Map<string, Map<number, Carry>>();
  /** Per networkKey, windows to classify again next pass although their own data did not change. */
  private readonly retry = new Map<string, Set<number>>();

  constructor(private readonly config: DetectorConfig) {}

  /** Forget every verdict: the next pass classifies its whole horizon. */
  clear(): void {
    this.cache.clear();
  }

  /** Windows whose verdict is missing or stale, and the targetStats reads that cover them. */
  plan(input: PlanInput): PassPlan {
    const { activity, baselines, from, now } = input;
    const dirty = new Map<string, Set<number>>();
    for (const [key, n] of activity.networks) {
      const cached = this.cache.get(key);
      const baseline = baselines.get(key);
      const starts = new Set<number>();
      for (const [start, print] of n.windows) {
        if (start < from || start >= now) continue;
        const c = cached?.get(start);
        const fresh = c !== undefined && c.print === print && c.baseline === baseline &&
          c.controlBaseline === input.controlBaseline &&
          c.controlPrint === controlPrintNear(activity.controlPrints, start, activity.windowMs);
        if (!fresh) starts.add(start);
      }
      // Windows the last finish() found carrying different runs in than they were classified with.
      for (const s of this.retry.get(key) ?? []) if (s >= from && s < now && n.windows.has(s)) starts.add(s);
      if (starts.size > 0) dirty.set(key, starts);
    }
    this.retry.clear();
    return { ...input, dirty, reads: readsFor(dirty, activity) };
  }

  /** Classifies the dirty windows from `rows` (what plan.reads returned), then findings over every window. */
  finish(plan: PassPlan, rows: readonly TargetStatsRow[], rest: FinishInput): IncrementalResult {
    const { activity, baselines, from, now } = plan;
    const index = indexWindows(rows, activity.windowMs / 1000);
    const next = new Map<string, Map<number, Cached>>();
    const networks = new Map<string, NetworkSeries>();
    let classified = 0;

    for (const [key, n] of activity.networks) {
      const dirty = plan.dirty.get(key);
      const fromRows = new Map((index.networks.get(key) ?? []).map((w) => [w.start, w]));
      const cached = this.cache.get(key);
      const kept = new Map<number, Cached>();
      const baseline = baselines.get(key);
      const starts = [...n.windows.keys()].filter((s) => s >= from && s < now).sort((a, b) => a - b);
      const verdicts: WindowVerdict[] = [];
      const carries = this.carryIn.get(key) ?? new Map<number, Carry>();
      const keptCarries = new Map<number, Carry>();
      let carry: Carry = (starts[0] !== undefined ? carries.get(starts[0]) : undefined) ?? NO_CARRY;
      for (const start of starts) {
        let c = dirty?.has(start) ? undefined : cached?.get(start);
        if (c && !sameCarry(carries.get(start) ?? NO_CARRY, carry)) {
          // Runs into this window changed (an earlier window was classified again): so may its verdict.
          if (fromRows.has(start)) c = undefined;
          else if (!this.retry.has(key)) {
            // Its rows were not read: it and every later window are classified on a second round (one
            // round, not one per window, however far the changed runs reach).
            this.retry.set(key, new Set(starts.filter((s) => s >= start)));
          }
        }
        if (!c) {
          const w = fromRows.get(start);
          // Fingerprinted but not among the rows (pruned between the two reads): left out, retried next pass.
          if (!w) continue;
          const out = classifyWindow(w, {
            baseline, control: controlNear(index.control, start, activity.windowMs),
            controlBaseline: plan.controlBaseline, carry,
          }, this.config);
          c = {
            print: n.windows.get(start) ?? "",
            controlPrint: controlPrintNear(activity.controlPrints, start, activity.windowMs),
            baseline, controlBaseline: plan.controlBaseline, verdict: out.verdict, carry: out.carry,
          };
          classified += 1;
        }
        keptCarries.set(start, carry);
        carry = c.carry;
        kept.set(start, c);
        verdicts.push(c.verdict);
      }
      this.carryIn.set(key, keptCarries);
      if (kept.size > 0) next.set(key, kept);
      networks.set(key, { region: n.region, network: n.network, verdicts });
    }
    this.cache = next; // windows that left the horizon are dropped here

    const result = findingsOf({ networks, activity, seeds: rest.seeds, regions: rest.regions, seen: rest.seen, from, now, config: this.config });
    return { ...result, classified, retry: this.retry.size > 0 };
  }
}

/**
 * Consecutive dirty windows become one time range. A range touching only a few regions is read per
 * region (plus the control vantages, whose rows classification needs); otherwise for every region.
 */
function readsFor(dirty: ReadonlyMap<string, ReadonlySet<number>>, activity: Activity): RowRead[] {
  const regionsAt = new Map<number, Set<string>>();
  for (const [key, starts] of dirty) {
    const region = activity.networks.get(key)?.region;
    if (region === undefined) continue;
    for (const s of starts) {
      let rs = regionsAt.get(s);
      if (!rs) regionsAt.set(s, (rs = new Set()));
      rs.add(region);
    }
  }
  const w = activity.windowMs;
  const ranges: { since: number; until: number; regions: Set<string> }[] = [];
  for (const s of [...regionsAt.keys()].sort((a, b) => a - b)) {
    const last = ranges[ranges.length - 1];
    const regions = regionsAt.get(s) ?? new Set<string>();
    if (last && last.until === s) {
      last.until = s + w;
      for (const r of regions) last.regions.add(r);
    } else ranges.push({ since: s, until: s + w, regions: new Set(regions) });
  }
  const allRegions = new Set([...activity.networks.values()].map((n) => n.region));
  const split = (r: { since: number; until: number; regions: Set<string> }): RowRead[] =>
    r.regions.size * 2 > allRegions.size
      ? [{ since: r.since, until: r.until, role: "region" }]
      : [...r.regions].map((region) => ({ since: r.since, until: r.until, region, role: "region" as const }));
  let reads = ranges.flatMap(split);
  if (reads.length > MAX_READS && ranges.length > 0) {
    const regions = new Set(ranges.flatMap((r) => [...r.regions]));
    reads = split({ since: ranges[0]?.since ?? 0, until: ranges[ranges.length - 1]?.until ?? 0, regions });
    if (reads.length > MAX_READS) reads = [{ since: reads[0]?.since ?? 0, until: reads[0]?.until ?? 0, role: "region" }];
  }
  // The control vantages' rows for the same ranges and the window before each (controlNear()).
  const near: { since: number; until: number }[] = [];
  for (const r of ranges) {
    const last = near[near.length - 1];
    if (last && last.until >= r.since - w) last.until = r.until;
    else near.push({ since: r.since - w, until: r.until });
  }
  const merged = near.length > MAX_READS ? [{ since: near[0]?.since ?? 0, until: near[near.length - 1]?.until ?? 0 }] : near;
  for (const region of activity.controlRegions) {
    for (const r of merged) reads.push({ ...r, region, role: "control" });
  }
  return reads;
}
