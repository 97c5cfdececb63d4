// Throttling in one window: throughput far below (or TLS handshakes far slower than) each target's own
// usual for that hour of the week. Either most targets are slow (the median), or some targets have been
// slow for a run of measurements (throttling of a few services). A target the control vantage also finds
// slow against its own usual is a slow server, not throttling. Pure.
import type { DetectorConfig } from "../config/schema.js";
import type { Baseline, ControlBaseline, TargetBaseline } from "./baseline-types.js";
import { expectedPerformance } from "./hour-factors.js";
import { median } from "./median.js";
import { runOf, type Carry } from "./runs.js";
import type { ControlWindow, ProbeTargetStats, TargetWindow } from "./window.js";

export interface PerfJudged {
  t: TargetWindow;
  b: TargetBaseline;
}

export interface Expected {
  throughput: number | null;
  tlsHandshake: number | null;
}

type Settings = Pick<DetectorConfig, "throttleFactor" | "controlSlowFactor" | "blockAfter">;

/** Whether these figures are far off the expected ones; null when nothing comparable was measured. */
export function isSlow(s: ProbeTargetStats, e: Expected, factor: number): boolean | null {
  const tp = s.throughputCount > 0 && e.throughput !== null && e.throughput > 0 ? s.throughputSum / s.throughputCount / e.throughput : null;
  const tls = s.tlsHandshakeCount > 0 && e.tlsHandshake !== null && e.tlsHandshake > 0
    ? s.tlsHandshakeSum / s.tlsHandshakeCount / e.tlsHandshake : null;
  if (tp === null && tls === null) return null;
  return (tp !== null && tp <= 1 / factor) || (tls !== null && tls >= factor);
}

/** The control also sees this target slow against the control's own usual: the server is slow. */
export function slowServer(url: string, control: ControlWindow | undefined, cb: ControlBaseline | undefined, cfg: Settings): boolean {
  const c = control?.get(url);
  const usual = cb?.[url];
  if (!c || !usual) return false;
  return isSlow(c, usual, cfg.controlSlowFactor) === true;
}

export interface ThrottleResult {
  affected: PerfJudged[];
  /** Window start of the earliest slow run among the affected (per-target throttling), else the window. */
  since: number;
  figures: Record<string, number>;
  expected: Map<string, Expected>;
}

export function throttling(
  judged: readonly PerfJudged[],
  baseline: Baseline,
  start: number,
  carry: Carry,
  control: ControlWindow | undefined,
  controlBaseline: ControlBaseline | undefined,
  cfg: Settings,
): ThrottleResult | null {
  const factor = cfg.throttleFactor;
  const tp: { j: PerfJudged; ratio: number }[] = [];
  const tls: { j: PerfJudged; ratio: number }[] = [];
  const expected = new Map<string, Expected>();
  let slowServers = 0;
  for (const j of judged) {
    const e = expectedPerformance(baseline, j.b, start);
    if (slowServer(j.t.url, control, controlBaseline, cfg)) {
      slowServers += 1;
      continue;
    }
    expected.set(j.t.url, e);
    if (j.t.throughputCount > 0 && e.throughput !== null && e.throughput > 0) {
      tp.push({ j, ratio: j.t.throughputSum / j.t.throughputCount / e.throughput });
    }
    if (j.t.tlsHandshakeCount > 0 && e.tlsHandshake !== null && e.tlsHandshake > 0) {
      tls.push({ j, ratio: j.t.tlsHandshakeSum / j.t.tlsHandshakeCount / e.tlsHandshake });
    }
  }
  const tpRatio = median(tp.map((x) => x.ratio));
  const tlsRatio = median(tls.map((x) => x.ratio));
  const slowThroughput = tpRatio !== null && tpRatio <= 1 / factor;
  const slowHandshake = tlsRatio !== null && tlsRatio >= factor;
  const affected = new Set<PerfJudged>();
  let since = start;
  if (slowThroughput) for (const x of tp) if (x.ratio <= 1 / factor) affected.add(x.j);
  if (slowHandshake) for (const x of tls) if (x.ratio >= factor) affected.add(x.j);
  if (affected.size === 0) {
    // Only some services: each slow target against its own usual, for a run of measurements.
    for (const x of [...tp.filter((y) => y.ratio <= 1 / factor), ...tls.filter((y) => y.ratio >= factor)]) {
      const run = runOf(carry, x.j.t.url);
      if (run.slow < cfg.blockAfter) continue;
      affected.add(x.j);
      since = Math.min(since, run.slowSince);
    }
  }
  if (affected.size === 0) return null;
  const figures: Record<string, number> = { slowServersLeftOut: slowServers, throttledTargets: affected.size };
  if (tpRatio !== null) figures["throughputRatio"] = tpRatio;
  if (tlsRatio !== null) figures["tlsHandshakeRatio"] = tlsRatio;
  const mine = (xs: typeof tp): typeof tp => xs.filter((x) => affected.has(x.j));
  const usualTp = median(mine(tp).map((x) => expected.get(x.j.t.url)?.throughput ?? 0));
  const seenTp = median(mine(tp).map((x) => x.j.t.throughputSum / x.j.t.throughputCount));
  if (usualTp !== null && seenTp !== null) Object.assign(figures, { throughputUsual: usualTp, throughputObserved: seenTp });
  const usualTls = median(mine(tls).map((x) => expected.get(x.j.t.url)?.tlsHandshake ?? 0));
  const seenTls = median(mine(tls).map((x) => x.j.t.tlsHandshakeSum / x.j.t.tlsHandshakeCount));
  if (usualTls !== null && seenTls !== null) Object.assign(figures, { tlsHandshakeUsual: usualTls, tlsHandshakeObserved: seenTls });
  return { affected: [...affected], since, figures, expected };
}
