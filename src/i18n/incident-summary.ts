// The incident summary in the reader's language, rendered from the incident's structured fields (kind,
// region, network, targets, figures, times), so the same facts read the same on pages, in exports and in
// alerts. Counted words follow Intl.PluralRules; times are to the second, in UTC and the local zone.
import type { NetworkConfig, RegionConfig } from "../config/schema.js";
import { targetName, type TargetNames } from "../config/target-names.js";
import { withdrawnAt, type Incident } from "../incident.js";
import { SUMMARY_PHRASES, type Language, type SummaryFacts } from "./summary-phrases.js";

export type { Language } from "./summary-phrases.js";
export const LANGUAGES: readonly Language[] = ["kk", "ru", "en"];

export interface SummaryContext {
  regions: readonly RegionConfig[];
  networks: readonly NetworkConfig[];
  /** IANA zone shown next to UTC. */
  timezone: string;
  targetNames?: TargetNames;
}

const MAX_NAMES = 5;
const pad = (n: number) => String(n).padStart(2, "0");

/** Wall-clock "YYYY-MM-DD HH:MM:SS" of `d` in `zone`, and the zone's offset label ("UTC+5"). */
function wallClock(d: Date, zone: string): { date: string; time: string; offset: string } {
  const f = new Intl.DateTimeFormat("en-US", {
    timeZone: zone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", second: "2-digit", timeZoneName: "shortOffset",
  });
  const p = Object.fromEntries(f.formatToParts(d).map((x) => [x.type, x.value]));
  return { date: `${p.year}-${p.month}-${p.day}`, time: `${p.hour}:${p.minute}:${p.second}`, offset: String(p.timeZoneName ?? "GMT").replace("GMT", "UTC") };
}

/** "2026-12-01 19:01:05 UTC (00:01:05 UTC+5)"; the local date is repeated only when it differs. */
export function utcAndLocalToSecond(iso: string, zone: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const utc = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} UTC`;
  if (zone === "UTC" || zone === "Etc/UTC") return utc;
  const l = wallClock(d, zone);
  return `${utc} (${l.date === utc.slice(0, 10) ? "" : `${l.date} `}${l.time} ${l.offset})`;
}

export function renderIncidentSummary(inc: Incident, lang: Language, ctx: SummaryContext): string {
  const p = SUMMARY_PHRASES[lang];
  const withdrawn = withdrawnAt(inc);
  const region = ctx.regions.find((r) => r.id === inc.region)?.names[lang] ?? inc.region;
  const network = inc.network === null ? null : (ctx.networks.find((n) => n.id === inc.network)?.name ?? inc.network);
  const names = [...new Set(inc.targets.filter((t) => !t.startsWith("list:")).map((t) => targetName(ctx.targetNames ?? new Map(), t)))];
  const facts: SummaryFacts = {
    region,
    network,
    names: names.slice(0, MAX_NAMES),
    moreNames: Math.max(0, names.length - MAX_NAMES),
    targetCount: names.length,
    figures: inc.evidence.figures,
    percent: (x) => (x === undefined ? "—" : new Intl.NumberFormat(p.locale, { style: "percent", maximumFractionDigits: 0 }).format(x)),
    plural: (n) => new Intl.PluralRules(p.locale).select(n),
    start: utcAndLocalToSecond(inc.startedAt, ctx.timezone),
    end: inc.endedAt ? utcAndLocalToSecond(inc.endedAt, ctx.timezone) : null,
    withdrawn: withdrawn ? utcAndLocalToSecond(withdrawn, ctx.timezone) : null,
  };
  const sentence = p.sentence(inc.kind, facts);
  return facts.withdrawn ? `${p.withdrawn(facts.withdrawn)} ${sentence}` : sentence;
}

/** The summary in every language, for API responses and exports. */
export function renderSummaries(inc: Incident, ctx: SummaryContext): Record<Language, string> {
  return { kk: renderIncidentSummary(inc, "kk", ctx), ru: renderIncidentSummary(inc, "ru", ctx), en: renderIncidentSummary(inc, "en", ctx) };
}
