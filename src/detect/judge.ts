// Judging one window's targets: the per-target and per-list views classify.ts decides on, the run of
// failures that makes a lone target blocked, and which probes agree. Pure.
import type { Baseline, TargetBaseline } from "./baseline-types.js";
import type { DetectorThresholds } from "./types.js";
import { requiredRun, runOf, type Carry } from "./runs.js";
import { perProbe, type ProbeTargetStats, type TargetWindow } from "./window.js";

export interface Judged {
  t: TargetWindow;
  b: TargetBaseline;
  /** Measurements that worked (a slow throughput download counts as working). */
  ok: number;
  ratio: number;
}

export interface ListView {
  observed: number;
  usual: number;
  count: number;
}

/** Per probe: its sums for the target, with what runs need (down, http-failure). */
const usualCache = new WeakMap<Baseline, Record<"whitelisted" | "non_whitelisted", number>>();

/** How many targets of each list usually work on this network (per baseline object, computed once). */
export function usualCounts(b: Baseline, usuallyWorks: number): Record<"whitelisted" | "non_whitelisted", number> {
  let c = usualCache.get(b);
  if (!c) {
    c = { whitelisted: 0, non_whitelisted: 0 };
    const lists = b.targetLists ?? {};
    for (const [url, t] of Object.entries(b.targets)) {
      const list = lists[url];
      if (list && t.ratio >= usuallyWorks) c[list] += 1;
    }
    usualCache.set(b, c);
  }
  return c;
}

export function listView(judged: readonly Judged[], list: "whitelisted" | "non_whitelisted"): ListView | null {
  let ok = 0;
  let total = 0;
  let usual = 0;
  let count = 0;
  for (const j of judged) {
    if (j.t.list !== list) continue;
    ok += j.ok;
    total += j.t.total;
    usual += j.b.ratio;
    count += 1;
  }
  return count === 0 ? null : { observed: ok / total, usual: usual / count, count };
}

/**
 * Targets blocked as of this window: failing here, and failing in a run of consecutive measurements
 * (across windows, summed over the probes) long enough for that target's usual noise (requiredRun); or
 * the failing targets of a category most of whose targets fail at once, with the shortest run
 * (blockAfter). One failed measurement is noise; so is one round.
 */
export function blockedTargets(judged: readonly Judged[], carry: Carry, start: number, cfg: DetectorThresholds): { set: Judged[]; since: number } {
  const failing = judged.filter((j) => j.ratio < cfg.failRatio);
  if (failing.length === 0) return { set: [], since: start };
  const byCategory = new Map<string, { n: number; failing: number }>();
  for (const j of judged) {
    const c = byCategory.get(j.t.category) ?? { n: 0, failing: 0 };
    c.n += 1;
    if (j.ratio < cfg.failRatio) c.failing += 1;
    byCategory.set(j.t.category, c);
  }
  const set: Judged[] = [];
  let since = start;
  for (const j of failing) {
    const run = runOf(carry, j.t.url);
    const c = byCategory.get(j.t.category);
    const firm = run.fails > 0 && run.fails >= requiredRun(j.b, cfg, judged.length);
    // Most of a category failing together is evidence enough for the shortest run (blockAfter), never for
    // one round: a moment's local outage fails every category at once.
    const category = c !== undefined && c.failing >= 2 && c.failing / c.n >= cfg.categoryShare && run.fails >= cfg.blockAfter;
    if (!firm && !category) continue;
    set.push(j);
    if (run.fails > 0) since = Math.min(since, run.failSince);
  }
  return { set, since };
}


/** Probes whose own measurements of the affected targets, summed, show the problem. */
export function agreeingProbes(affected: readonly Judged[], agrees: (p: ProbeTargetStats) => boolean): string[] {
  const sums = new Map<string, ProbeTargetStats>();
  for (const j of affected) {
    for (const [probe, s] of perProbe(j.t)) {
      const acc = sums.get(probe) ?? {
        total: 0, ok: 0, throughputSum: 0, throughputCount: 0, tlsHandshakeSum: 0, tlsHandshakeCount: 0,
      };
      acc.total += s.total;
      acc.ok += s.ok;
      sums.set(probe, acc);
    }
  }
  return [...sums].filter(([, s]) => agrees(s)).map(([p]) => p).sort();
}

/** Probes for which most affected targets show the problem against that target's expected performance. */
export function agreeingProbesPerTarget(
  affected: readonly Judged[],
  agrees: (p: ProbeTargetStats, url: string) => boolean,
): string[] {
  const votes = new Map<string, { yes: number; n: number }>();
  for (const j of affected) {
    for (const [probe, s] of perProbe(j.t)) {
      const v = votes.get(probe) ?? { yes: 0, n: 0 };
      v.n += 1;
      if (agrees(s, j.t.url)) v.yes += 1;
      votes.set(probe, v);
    }
  }
  return [...votes].filter(([, v]) => v.yes * 2 > v.n).map(([p]) => p).sort();
}
