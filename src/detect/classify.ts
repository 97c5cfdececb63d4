// The verdict on one region × network window, against that network's own baseline, the control
// vantage's view of the same window (or the ones beside it), and the runs of bad measurements carried
// from the windows before (runs.ts). Pure. The order of the checks is the order of severity: full
// shutdown, whitelist-only, blocking of a set of targets (or its DNS form), throttling, normal.
import type { DetectorConfig } from "../config/schema.js";
import type { IncidentKind } from "./incident.js";
import type { SlowThreshold } from "./types.js";
import { expectedPerformance, type Baseline, type ControlBaseline, type TargetBaseline } from "./baseline.js";
import { advanceRuns, requiredRun, runOf, type Carry, type ProbeObservation } from "./runs.js";
import { isSlow, slowServer, throttling } from "./throttle.js";
import { blockedBy, perProbe, reachable, type ControlWindow, type NetworkWindow, type ProbeTargetStats, type TargetWindow } from "./window.js";

export type Family = "reachability" | "performance" | "dark";

export function familyOf(kind: IncidentKind): Family {
  if (kind === "throttling") return "performance";
  if (kind === "dark") return "dark";
  return "reachability";
}

export type DetectorThresholds = Pick<
  DetectorConfig,
  | "minSamples" | "failRatio" | "usualFactor" | "throttleFactor" | "usuallyWorks" | "controlDown" | "blockAfter"
  | "blockAfterMax" | "blockFalseRate" | "categoryShare" | "dnsShare" | "cutShare" | "controlCoverage"
  | "controlSlowFactor" | "maxGapWindows" | "listCoverage"
>;

interface WindowBase {
  start: number;
  end: number;
  /** Newest measurement in the window (epoch ms). */
  lastAt: number;
  probes: string[];
}

export interface InsufficientWindow extends WindowBase {
  status: "insufficient";
  reason: "few_samples" | "warm_up" | "no_usual_targets";
}

export interface GoodWindow extends WindowBase {
  status: "good";
  /** Targets left out because the control vantage could not reach them either. */
  siteOutages: string[];
}

export interface BadWindow extends WindowBase {
  status: "bad";
  kind: Exclude<IncidentKind, "dark">;
  /** What the incident is about: URLs, or "list:<name>" for whole lists. */
  targets: string[];
  /** The URLs whose measurements show the problem (for evidence and exact bounds). */
  affectedUrls: string[];
  agreeingProbes: string[];
  controlAvailable: boolean;
  siteOutages: string[];
  /** Share of the affected targets the control vantage measured in or beside this window. */
  controlCoverage: number;
  measurements: number;
  failures: number;
  figures: Record<string, number>;
  /** Window start of the first bad measurement of the run this window belongs to (≤ start). */
  since: number;
  /** Throttling: what counts as a slow measurement, per affected URL. */
  slowWhen?: Record<string, SlowThreshold>;
}

export type WindowVerdict = InsufficientWindow | GoodWindow | BadWindow;

/** What classifying a window needs besides the window itself. */
export interface WindowContext {
  baseline: Baseline | undefined;
  /** The control's view near this window (controlNear()). */
  control: ControlWindow | undefined;
  controlBaseline: ControlBaseline | undefined;
  /** Runs of bad measurements up to the window before. */
  carry: Carry;
}

export interface Classified {
  verdict: WindowVerdict;
  /** Runs including this window, for the next one. */
  carry: Carry;
}

interface Judged {
  t: TargetWindow;
  b: TargetBaseline;
  /** Measurements that worked (a slow throughput download counts as working). */
  ok: number;
  ratio: number;
}

interface ListView {
  observed: number;
  usual: number;
  count: number;
}

/** Per probe: its sums for the target, with what runs need (down, http-failure). */
function probeSums(t: TargetWindow): Map<string, ProbeTargetStats & { down: number; httpFailures: number }> {
  const out = new Map<string, ProbeTargetStats & { down: number; httpFailures: number }>();
  for (const r of t.rows) {
    let p = out.get(r.probeId);
    if (!p) {
      out.set(r.probeId, (p = { total: 0, ok: 0, throughputSum: 0, throughputCount: 0, tlsHandshakeSum: 0, tlsHandshakeCount: 0, down: 0, httpFailures: 0 }));
    }
    p.total += r.total;
    p.ok += r.ok;
    p.throughputSum += r.throughputSum;
    p.throughputCount += r.throughputCount;
    p.tlsHandshakeSum += r.tlsHandshakeSum;
    p.tlsHandshakeCount += r.tlsHandshakeCount;
    p.down += r.down;
    p.httpFailures += r.blocked["http-failure"] ?? 0;
  }
  return out;
}

/** The runs after this window: what each probe saw of each target. */
function observe(w: NetworkWindow, ctx: WindowContext, cfg: DetectorThresholds): Carry {
  const seen: ProbeObservation[] = [];
  for (const t of w.targets.values()) {
    const b = ctx.baseline?.targets[t.url];
    const e = ctx.baseline && b ? expectedPerformance(ctx.baseline, b, w.start) : null;
    const server = slowServer(t.url, ctx.control, ctx.controlBaseline, cfg);
    for (const [probe, p] of probeSums(t)) {
      const worked = reachable(p, p.httpFailures);
      const failed = p.total - worked;
      const slow = e === null ? null : server ? false : isSlow(p, e, cfg.throttleFactor);
      seen.push({ url: t.url, probe, worked, blockedFails: worked === 0 && p.down === 0 ? failed : 0, slow });
    }
  }
  return advanceRuns(ctx.carry, w.start, w.end - w.start, seen, cfg.maxGapWindows);
}

export function classifyWindow(w: NetworkWindow, ctx: WindowContext, cfg: DetectorThresholds): Classified {
  const carry = observe(w, ctx, cfg);
  return { verdict: verdictOf(w, ctx, carry, cfg), carry };
}

function verdictOf(w: NetworkWindow, ctx: WindowContext, carry: Carry, cfg: DetectorThresholds): WindowVerdict {
  const { baseline, control } = ctx;
  const base = { start: w.start, end: w.end, lastAt: w.lastAt, probes: [...w.probes].sort() };
  if (w.total < cfg.minSamples) return { ...base, status: "insufficient", reason: "few_samples" };
  if (!baseline || baseline.judgeableFrom === null || w.start < baseline.judgeableFrom) {
    return { ...base, status: "insufficient", reason: "warm_up" };
  }

  const judged: Judged[] = [];
  const siteOutages: string[] = [];
  const measured = { whitelisted: 0, non_whitelisted: 0 };
  for (const t of w.targets.values()) {
    const b = baseline.targets[t.url];
    if (!b || b.ratio < cfg.usuallyWorks) continue; // never usually reachable here: nothing to lose
    measured[t.list] += 1;
    const ok = reachable(t, blockedBy(t, "http-failure"));
    const ratio = ok / t.total;
    const c = control?.get(t.url);
    // Down for everyone: a site outage, never the region's incident. Only a target the region also
    // fails is set aside: one it reaches as usual (a domestic site refusing the foreign control) still
    // shows what works.
    if (c && c.total > 0 && c.ok / c.total < cfg.controlDown && ratio < cfg.usualFactor * b.ratio) {
      siteOutages.push(t.url);
      continue;
    }
    judged.push({ t, b, ok, ratio });
  }
  siteOutages.sort();
  if (judged.length === 0) return { ...base, status: "insufficient", reason: "no_usual_targets" };

  const covered = (urls: readonly string[]): number =>
    urls.length === 0 ? 1 : urls.filter((u) => (control?.get(u)?.total ?? 0) > 0).length / urls.length;
  const bad = (
    kind: BadWindow["kind"],
    targets: string[],
    affected: Judged[],
    agrees: (p: ProbeTargetStats) => boolean,
    figures: Record<string, number>,
    since = w.start,
  ): BadWindow => {
    const measurements = affected.reduce((n, j) => n + j.t.total, 0);
    const failures = affected.reduce((n, j) => n + j.t.total - j.ok, 0);
    const affectedUrls = affected.map((j) => j.t.url).sort();
    const controlCoverage = covered(affectedUrls);
    return {
      ...base, status: "bad", kind, targets, affectedUrls,
      agreeingProbes: agreeingProbes(affected, agrees), controlAvailable: controlCoverage >= cfg.controlCoverage && controlCoverage > 0,
      controlCoverage, siteOutages, measurements, failures, since,
      figures: { ...figures, judgedTargets: judged.length, siteOutages: siteOutages.length, controlCoverage },
    };
  };
  const failingAmong = (p: ProbeTargetStats): boolean => p.total > 0 && p.ok / p.total < cfg.failRatio;

  // Lists are judged against their own usual success, so a few whitelisted failures or a few leaking
  // non-whitelisted sites do not change the regime.
  const white = listView(judged, "whitelisted");
  const other = listView(judged, "non_whitelisted");
  const cut = (l: ListView | null): boolean => l !== null && l.observed <= cfg.cutShare * l.usual;
  // A window still being measured (or holding the ends of two rounds) may show one list and not the
  // other, or a few targets of it: whole-list verdicts need most of each usual list measured.
  const usual = usualCounts(baseline, cfg.usuallyWorks);
  const complete = (["whitelisted", "non_whitelisted"] as const).every((l) => measured[l] >= cfg.listCoverage * usual[l]);
  const listFigures = {
    ...(white ? { whitelistedObserved: white.observed, whitelistedUsual: white.usual } : {}),
    ...(other ? { nonWhitelistedObserved: other.observed, nonWhitelistedUsual: other.usual } : {}),
  };

  // Everything that usually works is cut, whichever list it is on.
  if (complete && (white === null || cut(white)) && (other === null || cut(other))) {
    const targets = [white ? "list:whitelisted" : null, other ? "list:non_whitelisted" : null].filter(
      (x): x is string => x !== null,
    );
    return bad("full_shutdown", targets, judged.filter((j) => j.ratio < j.b.ratio), failingAmong, listFigures);
  }
  // Everything else is cut while whitelisted services still work.
  if (complete && white && other && cut(other)) {
    const affected = judged.filter((j) => j.t.list === "non_whitelisted" && j.ratio < cfg.failRatio);
    return bad("whitelist_only", ["list:non_whitelisted"], affected, failingAmong, listFigures);
  }

  const blocked = blockedTargets(judged, carry, w.start, cfg);
  if (blocked.set.length > 0) {
    const set = blocked.set;
    const failures = set.reduce((n, j) => n + j.t.total - j.ok, 0);
    const dnsBlocked = set.reduce((n, j) => n + blockedBy(j.t, "dns"), 0);
    const kind = failures > 0 && dnsBlocked / failures >= cfg.dnsShare ? "dns_interference" : "service_blocking";
    const rest = judged.filter((j) => !set.includes(j));
    const sum = (js: Judged[], f: (j: Judged) => number): number => js.reduce((n, j) => n + f(j), 0);
    return bad(kind, set.map((j) => j.t.url).sort(), set, failingAmong, {
      ...listFigures,
      blockedTargets: set.length,
      blockedObserved: sum(set, (j) => j.ok) / Math.max(1, sum(set, (j) => j.t.total)),
      blockedUsual: sum(set, (j) => j.b.ratio) / set.length,
      restObserved: rest.length ? sum(rest, (j) => j.ok) / Math.max(1, sum(rest, (j) => j.t.total)) : 1,
      dnsShare: failures > 0 ? dnsBlocked / failures : 0,
    }, blocked.since);
  }

  const throttle = throttling(judged, baseline, w.start, carry, control, ctx.controlBaseline, cfg);
  if (throttle) {
    const f = cfg.throttleFactor;
    const agrees = (p: ProbeTargetStats, url: string): boolean => {
      const e = throttle.expected.get(url);
      return e !== undefined && isSlow(p, e, f) === true;
    };
    const affected = judged.filter((j) => throttle.affected.some((a) => a.t === j.t));
    const verdict = bad("throttling", affected.map((j) => j.t.url).sort(), affected, () => false, throttle.figures, throttle.since);
    const slowWhen: Record<string, SlowThreshold> = {};
    for (const j of affected) {
      const e = throttle.expected.get(j.t.url);
      if (e) slowWhen[j.t.url] = { throughputBelow: e.throughput === null ? null : e.throughput / f, tlsAbove: e.tlsHandshake === null ? null : e.tlsHandshake * f };
    }
    return { ...verdict, agreeingProbes: agreeingProbesPerTarget(affected, agrees), slowWhen };
  }
  return { ...base, status: "good", siteOutages };
}

const usualCache = new WeakMap<Baseline, Record<"whitelisted" | "non_whitelisted", number>>();

/** How many targets of each list usually work on this network (per baseline object, computed once). */
function usualCounts(b: Baseline, usuallyWorks: number): Record<"whitelisted" | "non_whitelisted", number> {
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

function listView(judged: readonly Judged[], list: "whitelisted" | "non_whitelisted"): ListView | null {
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
function blockedTargets(judged: readonly Judged[], carry: Carry, start: number, cfg: DetectorThresholds): { set: Judged[]; since: number } {
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
    const firm = run.fails > 0 && run.fails >= requiredRun(j.b, cfg);
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
function agreeingProbes(affected: readonly Judged[], agrees: (p: ProbeTargetStats) => boolean): string[] {
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
function agreeingProbesPerTarget(
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
