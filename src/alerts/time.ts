// Times in alerts: always UTC (what the API and exports use), followed by the reader's zone, because a
// journalist quoting "18:02 to 23:40 (UTC+5)" should not have to convert.

function pad(n: number): string {
  return String(n).padStart(2, "0");
}

// Building an Intl.DateTimeFormat costs about a millisecond; zones are few, so each is built once.
// A pure memo (same input, same output), so nothing for tests to reset.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit",
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Wall-clock parts of `d` in `timeZone`. */
function zonedParts(d: Date, timeZone: string): { y: number; mo: number; day: number; h: number; mi: number; sec: number } {
  const parts = formatterFor(timeZone).formatToParts(d);
  const get = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)?.value ?? "0");
  return { y: get("year"), mo: get("month"), day: get("day"), h: get("hour"), mi: get("minute"), sec: get("second") };
}

/** "UTC+5", "UTC+5:30", "UTC-3", "UTC" for the zone's offset at that moment. */
export function utcOffsetLabel(d: Date, timeZone: string): string {
  const p = zonedParts(d, timeZone);
  const asUtc = Date.UTC(p.y, p.mo - 1, p.day, p.h, p.mi);
  const minutes = Math.round((asUtc - Math.floor(d.getTime() / 60_000) * 60_000) / 60_000);
  if (minutes === 0) return "UTC";
  const sign = minutes > 0 ? "+" : "-";
  const abs = Math.abs(minutes);
  return `UTC${sign}${Math.floor(abs / 60)}${abs % 60 ? `:${pad(abs % 60)}` : ""}`;
}

/**
 * "2026-01-05 13:02:07 UTC (18:02:07 Asia/Almaty, UTC+5)", to the second (so "last normal" and "started"
 * never read the same); the local date is shown only when it differs.
 */
export function formatUtcAndLocal(iso: string, timeZone: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const utcDate = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  const utc = `${utcDate} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} UTC`;
  if (timeZone === "UTC" || timeZone === "Etc/UTC") return utc;
  const p = zonedParts(d, timeZone);
  const localDate = `${p.y}-${pad(p.mo)}-${pad(p.day)}`;
  const localTime = `${pad(p.h)}:${pad(p.mi)}:${pad(p.sec)}`;
  const local = localDate === utcDate ? localTime : `${localDate} ${localTime}`;
  return `${utc} (${local} ${timeZone}, ${utcOffsetLabel(d, timeZone)})`;
}

/** Whole minutes between two ISO times, never negative. */
export function minutesBetween(fromIso: string, toIso: string): number {
  const ms = new Date(toIso).getTime() - new Date(fromIso).getTime();
  return Number.isFinite(ms) ? Math.max(0, Math.floor(ms / 60_000)) : 0;
}
