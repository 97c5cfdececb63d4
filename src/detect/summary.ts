// One plain English sentence per incident that a journalist can quote as is. Times in UTC; the API
// and dashboard localise. Pure.
import type { IncidentKind } from "../incident.js";

export interface SummaryInput {
  kind: IncidentKind;
  region: string;
  network: string | null;
  startedAt: string;
  endedAt: string | null;
  lastGoodAt: string | null;
  targets: readonly string[];
  figures: Readonly<Record<string, number>>;
  /** Display names, when the caller has them (config regions' English names). */
  regionName?: string;
}

export function utc(isoTime: string): string {
  return `${isoTime.slice(0, 10)} ${isoTime.slice(11, 16)} UTC`;
}

const pct = (x: number | undefined): string => `${Math.round((x ?? 0) * 100)}%`;

function examples(targets: readonly string[]): string {
  const hosts = targets.map((t) => {
    try {
      return new URL(t).hostname;
    } catch {
      return t;
    }
  });
  const shown = hosts.slice(0, 3).join(", ");
  return hosts.length > 3 ? `${shown} and ${hosts.length - 3} more` : shown;
}

function what(s: SummaryInput): string {
  const f = s.figures;
  switch (s.kind) {
    case "full_shutdown":
      return `all tested sites, whitelisted ones included, were unreachable (${pct(f["nonWhitelistedObserved"] ?? f["whitelistedObserved"])} success against a usual ${pct(f["nonWhitelistedUsual"] ?? f["whitelistedUsual"])})`;
    case "whitelist_only":
      return `access was reduced to a whitelist: whitelisted services kept working (${pct(f["whitelistedObserved"])} success) while other sites failed (${pct(f["nonWhitelistedObserved"])} against a usual ${pct(f["nonWhitelistedUsual"])})`;
    case "service_blocking":
      return `${s.targets.length === 1 ? "1 site was" : `${s.targets.length} sites were`} blocked (${examples(s.targets)}) while other sites kept working`;
    case "dns_interference":
      return `DNS returned false answers for ${s.targets.length === 1 ? "1 site" : `${s.targets.length} sites`} (${examples(s.targets)}), making them unreachable`;
    case "throttling": {
      const tp = f["throughputRatio"];
      const tls = f["tlsHandshakeRatio"];
      const parts: string[] = [];
      if (tp !== undefined && tp < 1) parts.push(`download speed fell to ${pct(tp)} of usual`);
      if (tls !== undefined && tls > 1) parts.push(`secure connections took ${tls.toFixed(1)} times longer to set up`);
      return `sites stayed reachable but were throttled${parts.length ? `: ${parts.join(" and ")}` : ""}`;
    }
    case "dark":
      return `every probe fell silent${s.lastGoodAt ? ` after ${utc(s.lastGoodAt)}` : ""} while other regions kept reporting`;
  }
}

export function summarize(s: SummaryInput): string {
  const place = s.regionName ? `${s.regionName} (${s.region})` : s.region;
  const where = s.network === null ? `In ${place}` : `On network ${s.network} in ${place}`;
  const when = s.endedAt ? `from ${utc(s.startedAt)} to ${utc(s.endedAt)}` : `from ${utc(s.startedAt)}, ongoing`;
  return `${where}, ${what(s)}, ${when}.`;
}
