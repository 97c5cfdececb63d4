// The agent's round schedule: a cron expression run on local time with plain Date arithmetic. node-cron
// turns the clock into date parts with Intl.DateTimeFormat every second, which maps the runtime's ICU locale
// and time-zone data: about 9 MiB of resident memory on a volunteer's board for a timer that fires every few
// minutes (README "Where the agent's memory goes"). The usual forms are read here — five or six fields of
// `*`, numbers, ranges, lists and steps, month and weekday names — with node-cron's meaning (every field must
// match; weekday 0 or 7 is Sunday). Anything else (`L`, `#`, `?`, a time-zone suffix) is handed to node-cron,
// loaded only then, so no expression that worked before stops working.

/** The values each field allows, seconds first: second, minute, hour, day of month, month, day of week. */
const FIELDS: readonly (readonly [number, number])[] = [[0, 59], [0, 59], [0, 23], [1, 31], [1, 12], [0, 7]];
const MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"];
const WEEKDAYS = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];
/** Month (1-12) and weekday (0-6) names, whole or their first three letters, any case. */
const NAMES: ReadonlyMap<string, number>[] = [
  new Map([...MONTHS.map((n, i) => [n, i + 1] as const), ...MONTHS.map((n, i) => [n.slice(0, 3), i + 1] as const)]),
  new Map([...WEEKDAYS.map((n, i) => [n, i] as const), ...WEEKDAYS.map((n, i) => [n.slice(0, 3), i] as const)]),
];

/** The accepted values of each field, seconds first; null when the expression is not one of the plain forms. */
export type CronFields = readonly (readonly boolean[])[];

function value(token: string, field: number): number | null {
  if (/^\d{1,2}$/.test(token)) {
    const n = Number(token);
    const [min, max] = FIELDS[field]!;
    return n >= min && n <= max ? n : null;
  }
  return field >= 4 ? NAMES[field - 4]!.get(token.toLowerCase()) ?? null : null;
}

function parseField(text: string, field: number): boolean[] | null {
  const [min, max] = FIELDS[field]!;
  const allowed: boolean[] = new Array<boolean>(max + 1).fill(false);
  for (const part of text.split(",")) {
    const m = /^(\*|[a-z0-9]+(?:-[a-z0-9]+)?)(?:\/(\d{1,2}))?$/i.exec(part);
    if (!m) return null;
    const step = m[2] === undefined ? 1 : Number(m[2]);
    if (step < 1) return null;
    let from = min;
    let to = max;
    if (m[1] !== "*") {
      const [a, b] = m[1]!.split("-");
      const lo = value(a!, field);
      const hi = b === undefined ? lo : value(b, field);
      // A bare value with a step ("5/10") reads differently in different crons: left to node-cron.
      if (lo === null || hi === null || hi < lo || (b === undefined && m[2] !== undefined)) return null;
      from = lo;
      to = hi;
    }
    for (let v = from; v <= to; v += step) allowed[v] = true;
  }
  if (field === 5 && allowed[7]) allowed[0] = true; // 7 is Sunday too
  return allowed;
}

/** Five fields (minute first) or six (second first); null for any form this reader leaves to node-cron. */
export function parseCron(expression: string): CronFields | null {
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== 5 && parts.length !== 6) return null;
  const fields = parts.length === 5 ? ["0", ...parts] : parts;
  const parsed = fields.map((f, i) => parseField(f, i));
  return parsed.some((p) => p === null) ? null : (parsed as boolean[][]);
}

/**
 * The first local time, on a whole second strictly after `after`, that every field matches (null: none in 5
 * years). Days and months are stepped on the local calendar; hours and minutes by elapsed time, so the hour
 * repeated when the clocks go back is not skipped.
 */
export function nextRun(fields: CronFields, after: Date): Date | null {
  const [seconds, minutes, hours, days, months, weekdays] = fields as [boolean[], boolean[], boolean[], boolean[], boolean[], boolean[]];
  let t = new Date(after.getTime() - after.getMilliseconds() + 1000);
  const limit = after.getTime() + 5 * 366 * 86_400_000;
  const startOfMinute = () => t.getTime() - t.getSeconds() * 1000;
  while (t.getTime() <= limit) {
    if (!months[t.getMonth() + 1]) {
      t = new Date(t.getFullYear(), t.getMonth() + 1, 1);
    } else if (!days[t.getDate()] || !weekdays[t.getDay()]) {
      t = new Date(t.getFullYear(), t.getMonth(), t.getDate() + 1);
    } else if (!hours[t.getHours()]) {
      t = new Date(startOfMinute() - t.getMinutes() * 60_000 + 3_600_000);
    } else if (!minutes[t.getMinutes()]) {
      t = new Date(startOfMinute() + 60_000);
    } else {
      const s = seconds.findIndex((ok, i) => ok && i >= t.getSeconds());
      if (s >= 0) return new Date(startOfMinute() + s * 1000);
      t = new Date(startOfMinute() + 60_000);
    }
  }
  return null;
}

export interface CronTask {
  /** Stops the schedule; resolves when a run in progress has finished. */
  destroy(): Promise<void>;
}

/** The longest delay setTimeout takes; later runs are reached in several waits. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Runs `run` at every time the expression matches, never two at once: a run still going when the next time
 * comes makes that time be skipped (node-cron's noOverlap). Throws, as node-cron does, on an invalid expression.
 */
export async function scheduleCron(expression: string, run: () => Promise<unknown> | void): Promise<CronTask> {
  const fields = parseCron(expression);
  if (fields === null) {
    const { schedule } = await import("node-cron");
    const task = schedule(expression, run, { noOverlap: true });
    return { destroy: async () => void (await task.destroy()) };
  }
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<unknown> | null = null;
  let destroyed = false;
  const arm = (after: Date) => {
    const at = nextRun(fields, after);
    if (destroyed || at === null) return;
    const wait = () => {
      const left = at.getTime() - Date.now();
      if (left > MAX_TIMER_MS) {
        timer = setTimeout(wait, MAX_TIMER_MS);
        return;
      }
      timer = setTimeout(() => {
        if (running === null) {
          running = Promise.resolve().then(run).catch(() => undefined).finally(() => {
            running = null;
          });
        }
        // From the later of the planned time and now: a late timer never runs the same second twice.
        arm(new Date(Math.max(at.getTime(), Date.now() - 1)));
      }, Math.max(0, left));
    };
    wait();
  };
  arm(new Date());
  return {
    destroy: async () => {
      destroyed = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
