// How often a probe measures: from its cron schedule (workers the scheduler drives) or observed from its
// measurements (agents keep their own schedule). Darkness needs it so that a probe measuring every
// 30 minutes is not called silent between two rounds. Pure.
import { median } from "./median.js";

/** Values a cron field allows: *, n, a-b, with /step, comma lists. Null when it cannot be read. */
function fieldValues(field: string, min: number, max: number): number[] | null {
  const out = new Set<number>();
  for (const part of field.split(",")) {
    const m = /^(\*|\d+(?:-\d+)?)(?:\/(\d+))?$/.exec(part);
    if (!m) return null;
    let from = min;
    let to = max;
    if (m[1] !== "*") {
      const [a, b] = (m[1] ?? "").split("-");
      from = Number(a);
      to = b !== undefined ? Number(b) : m[2] ? max : from; // "5/15": from 5 to the end, every 15
    }
    const step = m[2] ? Number(m[2]) : 1;
    if (!(step > 0) || from < min || to > max || from > to) return null;
    for (let v = from; v <= to; v += step) out.add(v);
  }
  return [...out].sort((a, b) => a - b);
}

/**
 * Median seconds between two runs of a cron expression (5 fields, or 6 with seconds), over one day;
 * day-of-month, month and weekday fields are ignored (a schedule is a cadence within the day). Null when
 * the expression is not understood.
 */
export function cronIntervalSeconds(expr: string): number | null {
  const fields = expr.trim().split(/\s+/);
  if (fields.length !== 5 && fields.length !== 6) return null;
  const [sec, min, hour] = fields.length === 6 ? fields : ["0", ...fields];
  const secs = fieldValues(sec ?? "", 0, 59);
  const mins = fieldValues(min ?? "", 0, 59);
  const hours = fieldValues(hour ?? "", 0, 23);
  if (!secs || !mins || !hours) return null;
  const times: number[] = [];
  for (const h of hours) for (const m of mins) for (const s of secs) times.push(h * 3600 + m * 60 + s);
  if (times.length === 0) return null;
  if (times.length === 1) return 86_400;
  const gaps = times.slice(1).map((t, i) => t - (times[i] ?? 0));
  gaps.push(86_400 - (times[times.length - 1] ?? 0) + (times[0] ?? 0));
  return median(gaps);
}

/**
 * Observed cadence of one probe, fed the windows it has data in, in order. A probe with data in most
 * windows measures about once per window ÷ its rounds per window; one with gaps measures about once per
 * median gap between its windows.
 */
export class CadenceObserver {
  private readonly starts: number[] = [];
  private readonly rounds: number[] = [];

  /** `rounds`: its measurements in the window ÷ the targets it measured (how many rounds it ran). */
  add(start: number, rounds: number): void {
    if (this.starts[this.starts.length - 1] === start) return;
    this.starts.push(start);
    this.rounds.push(rounds);
  }

  /** Seconds between two rounds, or null with fewer than 3 windows of data. */
  seconds(windowMs: number): number | null {
    if (this.starts.length < 3) return null;
    const gaps = this.starts.slice(1).map((s, i) => s - (this.starts[i] ?? 0));
    const gap = median(gaps) ?? windowMs;
    if (gap > windowMs) return gap / 1000;
    const rounds = median(this.rounds) ?? 1;
    return windowMs / 1000 / Math.max(1, rounds);
  }
}
