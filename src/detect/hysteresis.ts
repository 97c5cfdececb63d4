// Hysteresis over a series of window verdicts: an episode opens after openAfter consecutive bad
// windows of the same family and closes after closeAfter consecutive good ones. While open, the kind
// follows the windows, but only once a new kind has held for openAfter bad windows in a row, so one
// odd window does not flip it. Insufficient windows neither extend nor break a run, but bad windows
// more than maxGapWindows apart are separate runs: two isolated bad windows hours apart are no incident.
// A bad window may carry evidence from before it (`since`: the run of failed measurements that made it
// bad began windows earlier); such a window counts for the windows its evidence spans. Pure.
import type { IncidentKind } from "../incident.js";
import { familyOf } from "./family.js";

/** The minimum a window verdict must say for hysteresis (window verdicts and dark windows both fit). */
export interface SeriesWindow {
  start: number;
  end: number;
  lastAt: number;
  status: "good" | "bad" | "insufficient";
  kind?: IncidentKind;
  /** Start of the window holding the first bad measurement this window's verdict rests on (≤ start). */
  since?: number;
}

export interface KindSpan {
  kind: IncidentKind;
  /** Start (epoch ms) of the first window of this kind's run. */
  since: number;
}

export interface Episode<W extends SeriesWindow> {
  kind: IncidentKind;
  kinds: KindSpan[];
  /** Every bad window of the episode, in order. */
  bad: W[];
  /** The last good window before the first bad one, if the series shows it. */
  lastGood: W | null;
  /** The first window of the closing good run; null while open. */
  recovery: W | null;
  /** Set when the episode continues an incident that was open before the series began. */
  seededFrom: string | null;
  /** Start of the window holding the episode's first bad measurement (≤ bad[0].start). */
  since: number;
}

export interface Seed {
  id: string;
  kind: IncidentKind;
}

export function episodes<W extends SeriesWindow>(
  series: readonly W[],
  cfg: { openAfter: number; closeAfter: number; maxGapWindows?: number },
  seed: Seed | null = null,
): Episode<W>[] {
  const out: Episode<W>[] = [];
  const first = series[0]?.start ?? 0;
  let open: Episode<W> | null = seed
    ? { kind: seed.kind, kinds: [{ kind: seed.kind, since: first }], bad: [], lastGood: null, recovery: null, seededFrom: seed.id, since: first }
    : null;
  let run: W[] = []; // consecutive bad windows of one family (closed) or one kind (open)
  let goodRun: W[] = [];
  const goods: W[] = []; // good windows while closed, newest last (for lastGood before the run's evidence)
  const maxGap = cfg.maxGapWindows ?? Number.POSITIVE_INFINITY;
  /** Windows a run spans, counting the evidence its first window rests on. */
  const span = (r: readonly W[], w: W): number => {
    const head = r[0] ?? w;
    // The head's own evidence counts: a target failing for 3 windows makes its 3rd window bad with `since` 2 windows back.
    const width = Math.max(1, w.end - w.start);
    return Math.max(r.length, 1) + Math.max(0, Math.round((head.start - (head.since ?? head.start)) / width));
  };

  for (const w of series) {
    if (w.status === "insufficient") continue;
    if (w.status === "good") {
      if (!open) goods.push(w);
      run = [];
      if (open) {
        goodRun.push(w);
        if (goodRun.length >= cfg.closeAfter) {
          open.recovery = goodRun[0] ?? w;
          goods.push(...goodRun);
          out.push(open);
          open = null;
          goodRun = [];
        }
      }
      continue;
    }
    const kind = w.kind;
    if (kind === undefined) continue;
    if (open) {
      goodRun = [];
      open.bad.push(w);
      run = run.length > 0 && run[0]?.kind === kind ? [...run, w] : [w];
      if (kind !== open.kind && run.length >= cfg.openAfter) {
        open.kind = kind;
        open.kinds.push({ kind, since: run[0]?.start ?? w.start });
      }
      continue;
    }
    const family = familyOf(kind);
    const head = run[0];
    const prev = run[run.length - 1];
    const near = prev !== undefined && (w.start - prev.start) / Math.max(1, w.end - w.start) <= maxGap;
    run = head?.kind !== undefined && familyOf(head.kind) === family && near ? [...run, w] : [w];
    if (span(run, w) >= cfg.openAfter) {
      const opening = run[0] ?? w;
      const openKind = dominantKind(run);
      const since = Math.min(...run.map((r) => r.since ?? r.start));
      let lastGood: W | null = null;
      for (let i = goods.length - 1; i >= 0 && lastGood === null; i--) if ((goods[i]?.start ?? 0) < since) lastGood = goods[i] ?? null;
      open = {
        kind: openKind, kinds: [{ kind: openKind, since: opening.start }], bad: [...run],
        lastGood, recovery: null, seededFrom: null, since,
      };
      run = run.filter((r) => r.kind === openKind).length === run.length ? run : [];
      goodRun = [];
    }
  }
  if (open) out.push(open);
  return out;
}

/** Severity: a whole-list verdict includes the per-target ones (a whitelist blocks those targets too). */
const SEVERITY: readonly IncidentKind[] = ["full_shutdown", "whitelist_only", "dns_interference", "service_blocking", "throttling", "dark"];

/**
 * The most frequent kind in a run; on ties the most severe one. The newest window of a run is often
 * still being measured, and a partial window can show only per-target blocking of what a complete
 * window shows as whitelist-only.
 */
function dominantKind(run: readonly SeriesWindow[]): IncidentKind {
  const counts = new Map<IncidentKind, number>();
  for (const w of run) if (w.kind !== undefined) counts.set(w.kind, (counts.get(w.kind) ?? 0) + 1);
  let best: IncidentKind | undefined;
  for (const kind of SEVERITY) {
    const n = counts.get(kind) ?? 0;
    if (n > 0 && (best === undefined || n > (counts.get(best) ?? 0))) best = kind;
  }
  return best ?? "full_shutdown";
}
