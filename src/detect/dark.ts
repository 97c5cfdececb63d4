// Dark regions: every probe of a region silent for darkAfterSeconds while other regions (or the control
// vantage) still report, so the silence is the region's and not the collector's. A short gap (a probe
// restarting) stays below darkAfterSeconds and is not dark. Pure.
import type { SeriesWindow } from "./hysteresis.js";
import type { WindowIndex } from "./window.js";

/**
 * What darkness needs to know: which regions reported in which window (with their newest measurement)
 * and whether the control vantage did. A WindowIndex is one; so is an activity summary of networkStats.
 */
export type ActivityIndex = Pick<WindowIndex, "windowMs"> & {
  readonly reporting: ReadonlyMap<number, ReadonlyMap<string, number>>;
  readonly control: ReadonlyMap<number, { readonly size: number }>;
};

export interface DarkWindow extends SeriesWindow {
  region: string;
  /** Newest measurement of the region before this window ended (epoch ms), null when never seen. */
  lastHeard: number | null;
  /** Other regions reporting in this window or the one before. */
  othersReporting: number;
}

/**
 * One verdict per window from `from` to `now` for `region`: bad/"dark", good (the region reported) or
 * insufficient (silent but not yet for long enough, never seen, or nobody else reporting either).
 * `lastSeenBefore` is the region's newest measurement from before the indexed rows, if known.
 */
export function darkSeries(
  region: string,
  index: ActivityIndex,
  from: number,
  now: number,
  darkAfterSeconds: number,
  lastSeenBefore: number | null,
): DarkWindow[] {
  const { windowMs } = index;
  const firstIndexed = Math.min(from, ...[...index.reporting.keys()]);
  let lastHeard = lastSeenBefore;
  const out: DarkWindow[] = [];
  for (let start = Math.floor(firstIndexed / windowMs) * windowMs; start < now; start += windowMs) {
    const end = start + windowMs;
    const here = index.reporting.get(start);
    const heard = here?.get(region);
    if (heard !== undefined) lastHeard = Math.max(lastHeard ?? 0, heard);
    if (start < from) continue;
    const others = new Set<string>();
    for (const s of [start, start - windowMs]) {
      for (const r of index.reporting.get(s)?.keys() ?? []) if (r !== region) others.add(r);
      if ((index.control.get(s)?.size ?? 0) > 0) others.add("control");
    }
    const base = { region, start, end, lastHeard, othersReporting: others.size };
    if (heard !== undefined) {
      out.push({ ...base, lastAt: heard, status: "good" });
      continue;
    }
    const silentFor = Math.min(end, now) - (lastHeard ?? Number.POSITIVE_INFINITY);
    const dark = lastHeard !== null && silentFor >= darkAfterSeconds * 1000 && others.size > 0;
    out.push({ ...base, lastAt: lastHeard ?? start, status: dark ? "bad" : "insufficient", ...(dark ? { kind: "dark" as const } : {}) });
  }
  return out;
}
