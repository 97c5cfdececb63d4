// The verdict on one region × network window, against that network's own baseline and the control
// vantage's view of the same window. Pure. The order of the checks is the order of severity:
// full shutdown, whitelist-only, blocking of a set of targets (or its DNS form), throttling, normal.
import type { DetectorConfig } from "../config/schema.js";
import type { IncidentKind } from "./incident.js";
import type { Baseline, TargetBaseline } from "./baseline.js";
import { median } from "./median.js";
import { blockedBy, perProbe, type ControlWindow, type NetworkWindow, type ProbeTargetStats, type TargetWindow } from "./window.js";

/** A target "usually works" (and can therefore be found blocked) when its baseline success is at least this. */
export const USUALLY_WORKS = 0.5;
/** The control vantage sees a site as down (an outage, not blocking) below this success ratio. */
export const CONTROL_DOWN = 0.5;
/** A lone target counts as blocked only when at least this many of its measurements in the window failed. */
export const FIRM_SAMPLES = 3;
/** A category counts as blocked when at least this share of its (≥ 2) targets fail. */
export const CATEGORY_SHARE = 0.8;
/** A blocked set is DNS interference when at least this share of its failures were DNS-layer blocking. */
export const DNS_SHARE = 0.8;

export type Family = "reachability" | "performance" | "dark";

export function familyOf(kind: IncidentKind): Family {
  if (kind === "throttling") return "performance";
  if (kind === "dark") return "dark";
  return "reachability";
}

export type DetectorThresholds = Pick<
  DetectorConfig,
  "minSamples" | "failRatio" | "usualFactor" | "throttleFactor"
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
  measurements: number;
  failures: number;
  figures: Record<string, number>;
}

export type WindowVerdict = InsufficientWindow | GoodWindow | BadWindow;

interface Judged {
  t: TargetWindow;
  b: TargetBaseline;
  ratio: number;
}

interface ListView {
  observed: number;
  usual: number;
  count: number;
}

export function classifyWindow(
  w: NetworkWindow,
  baseline: Baseline | undefined,
  control: ControlWindow | undefined,
  cfg: DetectorThresholds,
): WindowVerdict {
  const base = { start: w.start, end: w.end, lastAt: w.lastAt, probes: [...w.probes].sort() };
  if (w.total < cfg.minSamples) return { ...base, status: "insufficient", reason: "few_samples" };
  if (!baseline || baseline.judgeableFrom === null || w.start < baseline.judgeableFrom) {
    return { ...base, status: "insufficient", reason: "warm_up" };
  }

  const controlAvailable = control !== undefined && control.size > 0;
  const judged: Judged[] = [];
  const siteOutages: string[] = [];
  for (const t of w.targets.values()) {
    const b = baseline.targets[t.url] ?? baseline.fallback; // fallback: the prior, for targets history does not know
    if (!b || b.ratio < USUALLY_WORKS) continue; // never usually reachable here: nothing to lose
    const c = control?.get(t.url);
    if (c && c.total > 0 && c.ok / c.total < CONTROL_DOWN) {
      siteOutages.push(t.url); // down for everyone: a site outage, never the region's incident
      continue;
    }
    judged.push({ t, b, ratio: t.ok / t.total });
  }
  siteOutages.sort();
  if (judged.length === 0) return { ...base, status: "insufficient", reason: "no_usual_targets" };

  const bad = (
    kind: BadWindow["kind"],
    targets: string[],
    affected: Judged[],
    agrees: (p: ProbeTargetStats) => boolean,
    figures: Record<string, number>,
  ): BadWindow => {
    const measurements = affected.reduce((n, j) => n + j.t.total, 0);
    const failures = affected.reduce((n, j) => n + j.t.total - j.t.ok, 0);
    return {
      ...base, status: "bad", kind, targets, affectedUrls: affected.map((j) => j.t.url).sort(),
      agreeingProbes: agreeingProbes(affected, agrees), controlAvailable, siteOutages, measurements, failures,
      figures: { ...figures, judgedTargets: judged.length, siteOutages: siteOutages.length },
    };
  };
  const failingAmong = (p: ProbeTargetStats): boolean => p.total > 0 && p.ok / p.total < cfg.failRatio;

  const white = listView(judged, "whitelisted");
  const other = listView(judged, "non_whitelisted");
  const nearZero = (l: ListView | null): boolean => l !== null && l.observed < cfg.failRatio;
  const listFigures = {
    ...(white ? { whitelistedObserved: white.observed, whitelistedUsual: white.usual } : {}),
    ...(other ? { nonWhitelistedObserved: other.observed, nonWhitelistedUsual: other.usual } : {}),
  };

  // Everything that usually works fails, whichever list it is on.
  if ((white === null || nearZero(white)) && (other === null || nearZero(other))) {
    const targets = [white ? "list:whitelisted" : null, other ? "list:non_whitelisted" : null].filter(
      (x): x is string => x !== null,
    );
    return bad("full_shutdown", targets, judged, failingAmong, listFigures);
  }
  // Whitelisted services keep (most of) their usual success while everything else is cut.
  if (white && other && nearZero(other) && white.observed >= cfg.usualFactor * white.usual) {
    const affected = judged.filter((j) => j.t.list === "non_whitelisted");
    return bad("whitelist_only", ["list:non_whitelisted"], affected, failingAmong, listFigures);
  }

  const blockedSet = blockedTargets(judged, cfg);
  if (blockedSet.length > 0) {
    const failures = blockedSet.reduce((n, j) => n + j.t.total - j.t.ok, 0);
    const dnsBlocked = blockedSet.reduce((n, j) => n + blockedBy(j.t, "dns"), 0);
    const kind = failures > 0 && dnsBlocked / failures >= DNS_SHARE ? "dns_interference" : "service_blocking";
    const rest = judged.filter((j) => !blockedSet.includes(j));
    const sum = (js: Judged[], f: (j: Judged) => number): number => js.reduce((n, j) => n + f(j), 0);
    return bad(kind, blockedSet.map((j) => j.t.url).sort(), blockedSet, failingAmong, {
      ...listFigures,
      blockedTargets: blockedSet.length,
      blockedObserved: sum(blockedSet, (j) => j.t.ok) / sum(blockedSet, (j) => j.t.total),
      blockedUsual: sum(blockedSet, (j) => j.b.ratio) / blockedSet.length,
      restObserved: rest.length ? sum(rest, (j) => j.t.ok) / Math.max(1, sum(rest, (j) => j.t.total)) : 1,
      dnsShare: failures > 0 ? dnsBlocked / failures : 0,
    });
  }

  const throttle = throttling(judged, cfg.throttleFactor);
  if (throttle) {
    const f = cfg.throttleFactor;
    const agrees = (p: ProbeTargetStats, b: TargetBaseline): boolean =>
      (p.throughputCount > 0 && b.throughput !== null && p.throughputSum / p.throughputCount <= b.throughput / f) ||
      (p.tlsHandshakeCount > 0 && b.tlsHandshake !== null && p.tlsHandshakeSum / p.tlsHandshakeCount >= b.tlsHandshake * f);
    const probes = agreeingProbesWithBaseline(throttle.affected, agrees);
    const verdict = bad("throttling", throttle.affected.map((j) => j.t.url).sort(), throttle.affected, () => false, {
      ...throttle.figures,
    });
    return { ...verdict, agreeingProbes: probes };
  }
  return { ...base, status: "good", siteOutages };
}

function listView(judged: readonly Judged[], list: "whitelisted" | "non_whitelisted"): ListView | null {
  let ok = 0;
  let total = 0;
  let usual = 0;
  let count = 0;
  for (const j of judged) {
    if (j.t.list !== list) continue;
    ok += j.t.ok;
    total += j.t.total;
    usual += j.b.ratio;
    count += 1;
  }
  return count === 0 ? null : { observed: ok / total, usual: usual / count, count };
}

/**
 * Targets newly blocked in this window: a target failing on ≥ FIRM_SAMPLES measurements, or the failing
 * targets of a category where most targets fail. A single failed measurement is noise, not blocking.
 */
function blockedTargets(judged: readonly Judged[], cfg: DetectorThresholds): Judged[] {
  const failing = judged.filter((j) => j.ratio < cfg.failRatio);
  if (failing.length === 0) return [];
  const byCategory = new Map<string, { n: number; failing: number }>();
  for (const j of judged) {
    const c = byCategory.get(j.t.category) ?? { n: 0, failing: 0 };
    c.n += 1;
    if (j.ratio < cfg.failRatio) c.failing += 1;
    byCategory.set(j.t.category, c);
  }
  return failing.filter((j) => {
    if (j.t.total - j.t.ok >= FIRM_SAMPLES) return true;
    const c = byCategory.get(j.t.category);
    return c !== undefined && c.failing >= 2 && c.failing / c.n >= CATEGORY_SHARE;
  });
}

/** Throughput or TLS handshake time far from the baseline, by the median over the measured targets. */
function throttling(
  judged: readonly Judged[],
  factor: number,
): { affected: Judged[]; figures: Record<string, number> } | null {
  const tp: { j: Judged; ratio: number }[] = [];
  const tls: { j: Judged; ratio: number }[] = [];
  for (const j of judged) {
    if (j.t.throughputCount > 0 && j.b.throughput !== null && j.b.throughput > 0) {
      tp.push({ j, ratio: j.t.throughputSum / j.t.throughputCount / j.b.throughput });
    }
    if (j.t.tlsHandshakeCount > 0 && j.b.tlsHandshake !== null && j.b.tlsHandshake > 0) {
      tls.push({ j, ratio: j.t.tlsHandshakeSum / j.t.tlsHandshakeCount / j.b.tlsHandshake });
    }
  }
  const tpRatio = median(tp.map((x) => x.ratio));
  const tlsRatio = median(tls.map((x) => x.ratio));
  const slowThroughput = tpRatio !== null && tpRatio <= 1 / factor;
  const slowHandshake = tlsRatio !== null && tlsRatio >= factor;
  if (!slowThroughput && !slowHandshake) return null;
  const affected = new Set<Judged>();
  if (slowThroughput) for (const x of tp) if (x.ratio <= 1 / factor) affected.add(x.j);
  if (slowHandshake) for (const x of tls) if (x.ratio >= factor) affected.add(x.j);
  const figures: Record<string, number> = {};
  if (tpRatio !== null) figures["throughputRatio"] = tpRatio;
  if (tlsRatio !== null) figures["tlsHandshakeRatio"] = tlsRatio;
  const usualTp = median(tp.map((x) => x.j.b.throughput ?? 0));
  const seenTp = median(tp.map((x) => x.j.t.throughputSum / x.j.t.throughputCount));
  if (usualTp !== null && seenTp !== null) Object.assign(figures, { throughputUsual: usualTp, throughputObserved: seenTp });
  const usualTls = median(tls.map((x) => x.j.b.tlsHandshake ?? 0));
  const seenTls = median(tls.map((x) => x.j.t.tlsHandshakeSum / x.j.t.tlsHandshakeCount));
  if (usualTls !== null && seenTls !== null) Object.assign(figures, { tlsHandshakeUsual: usualTls, tlsHandshakeObserved: seenTls });
  return { affected: [...affected], figures };
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

/** Probes for which most affected targets show the problem against that target's own baseline. */
function agreeingProbesWithBaseline(
  affected: readonly Judged[],
  agrees: (p: ProbeTargetStats, b: TargetBaseline) => boolean,
): string[] {
  const votes = new Map<string, { yes: number; n: number }>();
  for (const j of affected) {
    for (const [probe, s] of perProbe(j.t)) {
      const v = votes.get(probe) ?? { yes: 0, n: 0 };
      v.n += 1;
      if (agrees(s, j.b)) v.yes += 1;
      votes.set(probe, v);
    }
  }
  return [...votes].filter(([, v]) => v.yes * 2 > v.n).map(([p]) => p).sort();
}
