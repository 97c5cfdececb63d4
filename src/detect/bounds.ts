// An incident's time bounds. Windows give them to the window; the raw measurement facts around the
// edges give them to the measurement:
//   startedAt  = the first bad measurement of the run (for `dark`: the start of the first silent window):
//                the first bad one after the last normal one, so a regime that began just before a window
//                edge starts where it began, not at the next window classified bad,
//   lastGoodAt = the last normal measurement before it (never a failed one: null when none is known),
//   endedAt    = the first normal measurement of the recovery (not the last bad one), so that
//                [startedAt, endedAt) covers the incident and endedAt is a time things were seen working;
//                when the affected targets are not measured at all any more (removed from the config),
//                the end of their last measured window, with endReason saying so.
// Pure.
import type { MeasurementFacts } from "../measurement.js";
import type { Finding } from "./types.js";

export interface Bounds {
  startedAt: string;
  lastGoodAt: string | null;
  endedAt: string | null;
  /** Why it ended, when not because things work again. */
  endReason?: string;
}

export const NO_LONGER_MEASURED = "target no longer measured";

/** The facts a Detector fetched around a finding's edges (any order, any extra targets). */
export interface EdgeFacts {
  /** From the last good window (or the window before the first bad one) to the end of the first bad window. */
  opening: readonly MeasurementFacts[];
  /** The closing run of good windows (empty while open). */
  recovery: readonly MeasurementFacts[];
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** Bounds from the windows alone: used when raw facts are gone (pruned) or not fetched. */
export function windowBounds(f: Finding): Bounds {
  return {
    startedAt: iso(f.firstBad.start),
    lastGoodAt: f.lastGood ? iso(f.lastGood.lastAt) : null,
    endedAt: f.recovery ? iso(f.recovery.start) : null,
  };
}

/** Bounds to the measurement, falling back to windowBounds where the facts say nothing. */
export function refineBounds(f: Finding, facts: EdgeFacts): Bounds {
  const approx = windowBounds(f);
  const affected = new Set(f.affectedUrls);
  // dark has no bad measurements; every measurement of the region is a sign of life.
  const relevant = (m: MeasurementFacts): boolean => f.kind === "dark" || affected.size === 0 || affected.has(m.url);
  // Throttling: slow against the target's own threshold (when known); a slow download may fail the
  // site check, so "good" is "not slow", not "accessible".
  const slow = (m: MeasurementFacts): boolean | null => {
    const t = f.slowWhen?.[m.url];
    if (!t) return null;
    const tp = t.throughputBelow !== null && m.bytesPerSecond !== null ? m.bytesPerSecond <= t.throughputBelow : null;
    const tls = t.tlsAbove !== null && m.tlsHandshakeTime !== null ? m.tlsHandshakeTime >= t.tlsAbove : null;
    return tp === null && tls === null ? null : tp === true || tls === true;
  };
  const isBad = (m: MeasurementFacts): boolean => relevant(m) && (f.kind === "throttling" ? slow(m) !== false : !m.accessible);
  const isGood = (m: MeasurementFacts): boolean =>
    relevant(m) && (f.kind === "dark" || (f.kind === "throttling" ? slow(m) === false : m.accessible));
  const byTime = (a: MeasurementFacts, b: MeasurementFacts): number => Date.parse(a.startedAt) - Date.parse(b.startedAt);

  let startedAt = approx.startedAt;
  let lastGoodAt = approx.lastGoodAt;
  if (f.kind !== "dark") {
    const first = new Set(f.openingUrls && f.openingUrls.length > 0 ? f.openingUrls : f.affectedUrls);
    const opening = facts.opening.filter((m) => relevant(m) && (first.size === 0 || first.has(m.url))).sort(byTime);
    const inFirst = (m: MeasurementFacts): boolean => Date.parse(m.startedAt) >= f.firstBad.start && Date.parse(m.startedAt) < f.firstBad.end;
    const firstBadAt = opening.findIndex((m) => inFirst(m) && isBad(m));
    if (firstBadAt >= 0) {
      let i = firstBadAt;
      // Walk back over bad measurements to the last good one: the run began right after it.
      while (i > 0 && !isGood(opening[i - 1] as MeasurementFacts)) i -= 1;
      const runStart = opening[i] as MeasurementFacts;
      startedAt = isBad(runStart) ? runStart.startedAt : (opening[firstBadAt] as MeasurementFacts).startedAt;
      const before = opening.slice(0, i).filter(isGood);
      const lastGood = before[before.length - 1];
      // A fallback from the windows may point at a failed measurement: say "unknown" instead.
      lastGoodAt = lastGood ? lastGood.startedAt : null;
    } else if (opening.length > 0) {
      lastGoodAt = null;
    }
  }
  let endedAt = approx.endedAt;
  let endReason: string | undefined;
  if (f.recovery) {
    const rec = f.recovery;
    const first = facts.recovery.filter((m) => Date.parse(m.startedAt) >= rec.start && isGood(m)).sort(byTime)[0];
    if (first) endedAt = first.startedAt;
    else if (f.kind !== "dark" && affected.size > 0 && facts.recovery.length > 0 && !facts.recovery.some(relevant)) {
      // The region is measured, the affected targets are not: they left the target list.
      endReason = NO_LONGER_MEASURED;
      endedAt = iso((f.lastMeasured ?? f.lastBad).end);
    }
  }
  return { startedAt, lastGoodAt, endedAt, ...(endReason !== undefined ? { endReason } : {}) };
}
