// What each probe saw of each target in one window, folded into the runs carried to the next window
// (runs.ts): the step of classification that needs the raw per-probe rows. Pure.
import { expectedPerformance } from "./hour-factors.js";
import type { DetectorThresholds, WindowContext } from "./types.js";
import { advanceRuns, type Carry, type ProbeObservation } from "./runs.js";
import { isSlow, slowServer } from "./throttle.js";
import { addProbeStats, emptyProbeStats, reachable, type NetworkWindow, type ProbeTargetStats, type TargetWindow } from "./window.js";

function probeSums(t: TargetWindow): Map<string, ProbeTargetStats & { down: number; httpFailures: number }> {
  const out = new Map<string, ProbeTargetStats & { down: number; httpFailures: number }>();
  for (const r of t.rows) {
    let p = out.get(r.probeId);
    if (!p) out.set(r.probeId, (p = { ...emptyProbeStats(), down: 0, httpFailures: 0 }));
    addProbeStats(p, r);
    p.down += r.down;
    p.httpFailures += r.blocked["http-failure"] ?? 0;
  }
  return out;
}

/** The runs after this window: what each probe saw of each target. */
export function observe(w: NetworkWindow, ctx: WindowContext, cfg: DetectorThresholds): Carry {
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
