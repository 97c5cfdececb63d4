// Alert text: one function renders an AlertEvent in kk, ru or en with the region's own name, the network,
// times in UTC and the server's zone, confidence and a permalink. Every provider sends this same text.
import type { KeepWatchConfig, NetworkConfig, RegionConfig } from "../config/schema.js";
import type { AlertEvent } from "./event.js";
import { PHRASES, type Language } from "./i18n/index.js";
import { formatUtcAndLocal, minutesBetween } from "./time.js";
import { targetName, targetNames, type TargetNames } from "../config/target-names.js";
import { renderIncidentSummary } from "../i18n/incident-summary.js";

export interface MessageContext {
  regions: RegionConfig[];
  networks: NetworkConfig[];
  /** IANA zone shown next to UTC (server.timezone). */
  timezone: string;
  /** server.publicUrl; no permalink without it. */
  publicUrl?: string | undefined;
  /** Service names of target URLs (whitelist/), so alerts name "Telegram" rather than a URL. */
  targetNames?: TargetNames;
}

export interface AlertMessage {
  language: Language;
  title: string;
  /** Body lines, each "Label: value" or a sentence. */
  lines: string[];
  /** title + body as plain text. */
  text: string;
  permalink: string | null;
}

const MAX_TARGETS_SHOWN = 5;

export function messageContextFromConfig(config: KeepWatchConfig): MessageContext {
  return {
    regions: config.regions,
    networks: config.networks,
    timezone: config.server.timezone,
    publicUrl: config.server.publicUrl,
    targetNames: targetNames(config),
  };
}

export function incidentPermalink(publicUrl: string | undefined, incidentId: string): string | null {
  if (!publicUrl) return null;
  return `${publicUrl.replace(/\/+$/, "")}/incidents/${encodeURIComponent(incidentId)}`;
}

function splitMinutes(total: number): [number, number, number] {
  return [Math.floor(total / 1440), Math.floor((total % 1440) / 60), total % 60];
}

function showValue(v: unknown): string {
  if (typeof v === "string") return v;
  return JSON.stringify(v) ?? "null";
}

export function renderAlertMessage(event: AlertEvent, language: Language, ctx: MessageContext): AlertMessage {
  const p = PHRASES[language];
  const inc = event.incident;
  const regionName = ctx.regions.find((r) => r.id === inc.region)?.names[language] ?? inc.region;
  const networkName = inc.network === null
    ? p.label.allNetworks
    : (ctx.networks.find((n) => n.id === inc.network)?.name ?? inc.network);
  const kind = p.kind[inc.kind];
  // An ended incident lasted until endedAt (also when late data revises it afterwards); an open one until now.
  const until = inc.endedAt ?? event.at;
  const duration = p.duration(...splitMinutes(minutesBetween(inc.startedAt, until)));
  // The region's own zone when the configuration gives one (a country may span zones), else the server's.
  const zone = ctx.regions.find((r) => r.id === inc.region)?.timezone ?? ctx.timezone;
  const when = (iso: string) => formatUtcAndLocal(iso, zone);

  let title: string;
  switch (event.type) {
    case "opened":
      title = p.headline.opened(kind, regionName);
      break;
    case "kind_changed":
      title = p.headline.kindChanged(event.previousKind ? p.kind[event.previousKind] : p.label.unknown, kind, regionName);
      break;
    case "revised":
      title = p.headline.revised(kind, regionName);
      break;
    case "reminder":
      title = p.headline.reminder(kind, regionName, duration);
      break;
    case "closed":
      title = p.headline.closed(kind, regionName);
      break;
  }

  const lines: string[] = [p.explain[inc.kind]];
  lines.push(`${p.label.region}: ${regionName} (${inc.region})`);
  lines.push(`${p.label.network}: ${networkName}`);
  if (event.type === "kind_changed" && event.previousKind) lines.push(`${p.label.previousKind}: ${p.kind[event.previousKind]}`);
  lines.push(`${p.label.started}: ${when(inc.startedAt)}`);
  if (inc.lastGoodAt) lines.push(`${p.label.lastGood}: ${when(inc.lastGoodAt)}`);
  if (event.type === "closed" || inc.endedAt) lines.push(`${p.label.ended}: ${when(until)}`);
  lines.push(`${p.label.duration}: ${duration}`);
  lines.push(`${p.label.confidence}: ${p.confidence[inc.confidence]}`);
  if (inc.targets.length > 0) {
    const shown = inc.targets.slice(0, MAX_TARGETS_SHOWN).map((t) => targetName(ctx.targetNames ?? new Map(), t)).join(", ");
    const more = inc.targets.length > MAX_TARGETS_SHOWN ? ` (+${inc.targets.length - MAX_TARGETS_SHOWN})` : "";
    lines.push(`${p.label.targets}: ${shown}${more}`);
  }
  lines.push(`${p.label.summary}: ${renderIncidentSummary(inc, language, ctx)}`);
  const lastRevision = inc.revisions.at(-1);
  if ((event.type === "revised" || event.type === "kind_changed") && lastRevision) {
    lines.push(`${p.label.revised}: ${lastRevision.field} ${showValue(lastRevision.from)} → ${showValue(lastRevision.to)}`
      + (lastRevision.reason ? ` (${lastRevision.reason})` : ""));
  }
  const permalink = incidentPermalink(ctx.publicUrl, inc.id);
  if (permalink) lines.push(`${p.label.details}: ${permalink}`);

  return { language, title, lines, text: [title, "", ...lines].join("\n"), permalink };
}
