// The verdict on one region × network window, against that network's own baseline, the control
// vantage's view of the same window (or the ones beside it), and the runs of bad measurements carried
// from the windows before (runs.ts). Pure. The order of the checks is the order of severity: full
// shutdown, whitelist-only, blocking of a set of targets (or its DNS form), throttling, normal.
import type { BadWindow, DetectorThresholds, SlowThreshold, WindowContext, WindowVerdict } from "./types.js";
import { agreeingProbes, agreeingProbesPerTarget, blockedTargets, listView, usualCounts, type Judged, type ListView } from "./judge.js";
import { observe } from "./observe.js";
import type { Carry } from "./runs.js";
import { isSlow, throttling } from "./throttle.js";
import { blockedBy, reachable, type NetworkWindow, type ProbeTargetStats } from "./window.js";

export { familyOf, type Family } from "./family.js";
export type { BadWindow, DetectorThresholds, GoodWindow, InsufficientWindow, WindowContext, WindowVerdict } from "./types.js";

export interface Classified {
  verdict: WindowVerdict;
  /** Runs including this window, for the next one. */
  carry: Carry;
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
