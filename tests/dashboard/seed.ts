// Measurement history for the browser tests: every region × network measured every 5 minutes, a control
// vantage that sees everything working, and a few episodes (whitelist-only, shutdown, throttling) that
// the real detector has to find. Tests place them shortly before the real clock, so the dashboard's
// "last 24 h" (computed by the browser from its own clock) shows them.
import type { Measurement } from "../../src/measurement.js";
import { fixtureMeasurement } from "../fixtures/measurement.js";
import { CONTROL, NETWORKS, REGION_IDS, probeId } from "./kz-config.js";

export const TARGETS = [
  { url: "https://egov.kz/", list: "whitelisted" as const, category: "gov" },
  { url: "https://kaspi.kz/", list: "whitelisted" as const, category: "bank" },
  { url: "https://2gis.kz/", list: "whitelisted" as const, category: "maps" },
  { url: "https://www.youtube.com/", list: "non_whitelisted" as const, category: "video" },
  { url: "https://web.whatsapp.com/", list: "non_whitelisted" as const, category: "messenger" },
  { url: "https://www.instagram.com/", list: "non_whitelisted" as const, category: "social" },
];

export type EpisodeKind = "whitelist_only" | "full_shutdown" | "throttling";

export interface Episode {
  region: string;
  network: string;
  kind: EpisodeKind;
  from: Date;
  /** null: still going on. */
  to: Date | null;
}

export interface SeedOptions {
  /** Rounds run every stepMinutes from `to` back to (excluding) `from`. */
  from: Date;
  to: Date;
  episodes: Episode[];
  /** Regions that never report (shown as "no data"). */
  silent?: string[];
  stepMinutes?: number;
}

const NORMAL_BPS = 2_500_000;

function one(probe: string, region: string, network: string, role: "region" | "control", at: Date, target: (typeof TARGETS)[number], kind: EpisodeKind | null): Measurement {
  const blockedByWhitelist = kind === "whitelist_only" && target.list === "non_whitelisted";
  const dead = kind === "full_shutdown" || blockedByWhitelist;
  const slow = kind === "throttling";
  const m = fixtureMeasurement({
    probeId: probe,
    role,
    region,
    network,
    url: target.url,
    list: target.list,
    category: target.category,
    startedAt: at.toISOString(),
    accessible: !dead,
    blocking: dead ? "tcp" : null,
    failure: dead ? "tcp_timeout" : null,
    handshakeTime: slow ? 2.4 : 0.06,
    // The first target of each list carries a throughput download.
    bytesPerSecond: dead || (target !== TARGETS[0] && target !== TARGETS[3]) ? null : slow ? NORMAL_BPS / 25 : NORMAL_BPS,
  });
  m.network.kind = role === "control" ? "fixed" : "mobile";
  m.network.asn = null;
  if (dead) {
    m.check.tcp = m.check.tcp.map((t) => ({ ...t, failure: "tcp_timeout", connectTime: null }));
    m.check.tls = [];
  }
  return m;
}

function episodeAt(episodes: Episode[], region: string, network: string, at: Date): EpisodeKind | null {
  for (const e of episodes) {
    if (e.region !== region || e.network !== network) continue;
    if (at >= e.from && (e.to === null || at < e.to)) return e.kind;
  }
  return null;
}

export function seedMeasurements(o: SeedOptions): Measurement[] {
  const step = o.stepMinutes ?? 5;
  const out: Measurement[] = [];
  const silent = new Set(o.silent ?? []);
  for (let round = o.to.getTime(); round > o.from.getTime(); round -= step * 60_000) {
    TARGETS.forEach((target, i) => {
      const at = new Date(round - (i + 1) * 4000); // spread checks over the round, all before `to`
      out.push(one("control-1", CONTROL.id, CONTROL.network, "control", at, target, null));
      for (const region of REGION_IDS) {
        if (silent.has(region)) continue;
        for (const n of NETWORKS) {
          out.push(one(probeId(region, n.id), region, n.id, "region", at, target, episodeAt(o.episodes, region, n.id, at)));
        }
      }
    });
  }
  return out;
}
