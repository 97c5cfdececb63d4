// Runs of consecutive bad measurements per target × probe, carried from window to window. One probe at
// the production cadence measures each target once per window, so "blocked" cannot be read off one
// window: it is a run of failed measurements with a blocking verdict (or, for throttling, of slow ones)
// that no success interrupts. A window in which the probe did not measure the target (a round that
// spilled over a window edge) neither extends nor breaks the run. Pure.
import type { DetectorConfig } from "../config/schema.js";
import type { TargetBaseline } from "./baseline-types.js";

export interface Run {
  /** Consecutive failed measurements with a blocking verdict (0 = no failure run). */
  fails: number;
  /** Window start of the run's first failure. */
  failSince: number;
  /** Consecutive slow measurements (throughput or TLS handshake far off the usual). */
  slow: number;
  slowSince: number;
  /** Window start in which this probe last measured the target. */
  seen: number;
}

/** Runs per target URL, then per probe. Treated as immutable: a window's update makes a new map. */
export type Carry = ReadonlyMap<string, ReadonlyMap<string, Run>>;

export const NO_CARRY: Carry = new Map();

/** What one probe's measurements of one target in one window say, for the runs. */
export interface ProbeObservation {
  url: string;
  probe: string;
  /** Every measurement failed with a blocking verdict (this many); 0 when any succeeded or was "down". */
  blockedFails: number;
  /** Measurements that worked (a slow throughput download counts as working). */
  worked: number;
  /** true/false when performance was measured and compared; null when not. */
  slow: boolean | null;
}

/**
 * The runs after window `start`, from the runs before it and what each probe saw in it. Runs whose
 * probe has not measured the target for more than maxGapWindows windows are dropped: the target is no
 * longer measured there, and a run does not survive hours of silence.
 */
export function advanceRuns(
  before: Carry,
  start: number,
  windowMs: number,
  seen: readonly ProbeObservation[],
  maxGapWindows: number,
): Carry {
  const out = new Map<string, Map<string, Run>>();
  const oldest = start - maxGapWindows * windowMs;
  for (const [url, probes] of before) {
    for (const [probe, r] of probes) {
      if (r.seen < oldest || (r.fails === 0 && r.slow === 0)) continue;
      let m = out.get(url);
      if (!m) out.set(url, (m = new Map()));
      m.set(probe, r);
    }
  }
  for (const o of seen) {
    const prev = out.get(o.url)?.get(o.probe);
    const failing = o.worked === 0 && o.blockedFails > 0;
    const next: Run = {
      fails: failing ? (prev?.fails ?? 0) + o.blockedFails : 0,
      failSince: failing && prev && prev.fails > 0 ? prev.failSince : start,
      slow: o.slow === null ? prev?.slow ?? 0 : o.slow ? (prev?.slow ?? 0) + 1 : 0,
      slowSince: o.slow && prev && prev.slow > 0 ? prev.slowSince : o.slow === null ? prev?.slowSince ?? start : start,
      seen: start,
    };
    let m = out.get(o.url);
    if (!m) out.set(o.url, (m = new Map()));
    if (next.fails === 0 && next.slow === 0) m.delete(o.probe);
    else m.set(o.probe, next);
    if (m.size === 0) out.delete(o.url);
  }
  return out;
}

/** A target's runs summed over probes (runs of probes that measured it in this window or recently). */
export function runOf(carry: Carry, url: string): { fails: number; failSince: number; slow: number; slowSince: number; probes: string[] } {
  let fails = 0;
  let slow = 0;
  let failSince = Number.POSITIVE_INFINITY;
  let slowSince = Number.POSITIVE_INFINITY;
  const probes: string[] = [];
  for (const [probe, r] of carry.get(url) ?? []) {
    if (r.fails > 0) {
      fails += r.fails;
      failSince = Math.min(failSince, r.failSince);
      probes.push(probe);
    }
    if (r.slow > 0) {
      slow += r.slow;
      slowSince = Math.min(slowSince, r.slowSince);
    }
  }
  return { fails, failSince, slow, slowSince, probes };
}

/**
 * The run a target needs before it counts as blocked: the shortest run between blockAfter and
 * blockAfterMax whose chance under the target's usual failure rate alone, rate^n, is below its share of
 * blockFalseRate. blockFalseRate is the chance per network window that noise alone blocks *any* of the
 * `judged` targets, so each target gets blockFalseRate / judged: a network watching 150 targets would
 * otherwise raise a noise "block" somewhere every few days. A clean target with a week of history needs
 * blockAfter; a noisy or barely known one needs more. A baseline without failRate (from before it was
 * kept) counts as clean.
 */
export function requiredRun(
  b: TargetBaseline,
  cfg: Pick<DetectorConfig, "blockAfter" | "blockAfterMax" | "blockFalseRate">,
  judged = 1,
): number {
  const lo = cfg.blockAfter;
  const hi = Math.max(lo, cfg.blockAfterMax);
  const rate = b.failRate;
  if (rate === undefined || rate <= 0) return lo;
  if (rate >= 1) return hi;
  const n = Math.ceil(Math.log(cfg.blockFalseRate / Math.max(1, judged)) / Math.log(rate) - 1e-9);
  return Math.min(hi, Math.max(lo, n));
}
