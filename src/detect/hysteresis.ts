// Hysteresis over a series of window verdicts: an episode opens after openAfter consecutive bad
// windows of the same family and closes after closeAfter consecutive good ones. While open, the kind
// follows the windows, but only once a new kind has held for openAfter bad windows in a row, so one
// odd window does not flip it. Insufficient windows neither extend nor break a run. Pure.
import type { IncidentKind } from "./incident.js";
import { familyOf } from "./classify.js";

/** The minimum a window verdict must say for hysteresis (window verdicts and dark windows both fit). */
export interface SeriesWindow {
  start: number;
  end: number;
  lastAt: number;
  status: "good" | "bad" | "insufficient";
  kind?: IncidentKind;
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
}

export interface Seed {
  id: string;
  kind: IncidentKind;
}

export function episodes<W extends SeriesWindow>(
  series: readonly W[],
  cfg: { openAfter: number; closeAfter: number },
  seed: Seed | null = null,
): Episode<W>[] {
  const out: Episode<W>[] = [];
  let open: Episode<W> | null = seed
    ? { kind: seed.kind, kinds: [{ kind: seed.kind, since: series[0]?.start ?? 0 }], bad: [], lastGood: null, recovery: null, seededFrom: seed.id }
    : null;
  let run: W[] = []; // consecutive bad windows of one family (closed) or one kind (open)
  let goodRun: W[] = [];
  let lastGood: W | null = null;

  for (const w of series) {
    if (w.status === "insufficient") continue;
    if (w.status === "good") {
      lastGood = w;
      run = [];
      if (open) {
        goodRun.push(w);
        if (goodRun.length >= cfg.closeAfter) {
          open.recovery = goodRun[0] ?? w;
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
    const first = run[0];
    run = first?.kind !== undefined && familyOf(first.kind) === family ? [...run, w] : [w];
    if (run.length >= cfg.openAfter) {
      const opening = run[0] ?? w;
      const openKind = dominantKind(run);
      open = {
        kind: openKind, kinds: [{ kind: openKind, since: opening.start }], bad: [...run],
        lastGood, recovery: null, seededFrom: null,
      };
      run = run.filter((r) => r.kind === openKind).length === run.length ? run : [];
      goodRun = [];
    }
  }
  if (open) out.push(open);
  return out;
}

/** The most frequent kind in a run, the latest one on ties. */
function dominantKind(run: readonly SeriesWindow[]): IncidentKind {
  const counts = new Map<IncidentKind, number>();
  let best: IncidentKind | undefined;
  for (const w of run) {
    if (w.kind === undefined) continue;
    const n = (counts.get(w.kind) ?? 0) + 1;
    counts.set(w.kind, n);
    if (best === undefined || n >= (counts.get(best) ?? 0)) best = w.kind;
  }
  return best ?? "full_shutdown";
}
