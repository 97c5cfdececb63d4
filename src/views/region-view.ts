// GET /api/v1/regions as a pure function of config, open incidents and the recent rollups, so the route, the SSE
// stream and the Prometheus region-state gauge all agree on what "state" means.
import type { KeepWatchConfig } from "../config/schema.js";
import type { Incident, IncidentKind } from "../incident.js";
import type { NetworkKind } from "../measurement.js";
import type { NetworkStatsRow, Store } from "../store/store.js";
import { RatioTally, type ListRatios } from "./ratios.js";

export type ViewState = "normal" | IncidentKind | "unknown";

export interface NetworkView {
  id: string;
  name: string;
  kind: NetworkKind;
  state: ViewState;
  ratios: ListRatios;
}

export interface RegionView {
  id: string;
  names: { kk: string; ru: string; en: string };
  state: ViewState;
  networks: NetworkView[];
  ratios: ListRatios;
  lastMeasurementAt: string | null;
  openIncidents: string[];
}

export interface RegionsView {
  generatedAt: string;
  regions: RegionView[];
}

/** Most severe first: a region both dark and throttled is reported dark. */
const SEVERITY: IncidentKind[] = [
  "dark",
  "full_shutdown",
  "whitelist_only",
  "throttling",
  "service_blocking",
  "dns_interference",
];

function worst(incidents: Incident[]): IncidentKind | null {
  let best: IncidentKind | null = null;
  for (const i of incidents) {
    if (best === null || SEVERITY.indexOf(i.kind) < SEVERITY.indexOf(best)) best = i.kind;
  }
  return best;
}

export interface RegionsInput {
  config: KeepWatchConfig;
  openIncidents: Incident[];
  /** Rollups of the recent window; control-role rows are ignored. */
  recentStats: NetworkStatsRow[];
  lastSeen: { region: string; lastAt: string }[];
  now: Date;
}

export function buildRegionsView(input: RegionsInput): RegionsView {
  const { config } = input;
  const networkConfig = new Map(config.networks.map((n) => [n.id, n]));
  const tallies = new Map<string, RatioTally>();
  const tally = (key: string) => {
    let t = tallies.get(key);
    if (!t) tallies.set(key, (t = new RatioTally()));
    return t;
  };
  const seenNetworks = new Map<string, Set<string>>();
  for (const row of input.recentStats) {
    if (row.role !== "region") continue;
    tally(row.region).add(row);
    tally(`${row.region}\u0000${row.network}`).add(row);
    let s = seenNetworks.get(row.region);
    if (!s) seenNetworks.set(row.region, (s = new Set()));
    s.add(row.network);
  }
  const last = new Map<string, string>();
  for (const l of input.lastSeen) {
    const prev = last.get(l.region);
    if (prev === undefined || l.lastAt > prev) last.set(l.region, l.lastAt);
  }

  const regions = config.regions.map((region): RegionView => {
    const open = input.openIncidents.filter((i) => i.region === region.id && i.status === "open");
    const networkIds = [...region.networks];
    for (const id of [...(seenNetworks.get(region.id) ?? []), ...open.map((i) => i.network)]) {
      if (id !== null && !networkIds.includes(id)) networkIds.push(id);
    }
    const regionTally = tallies.get(region.id) ?? new RatioTally();
    const networks = networkIds.map((id): NetworkView => {
      const t = tallies.get(`${region.id}\u0000${id}`) ?? new RatioTally();
      const kind = worst(open.filter((i) => i.network === id || i.network === null));
      const cfg = networkConfig.get(id);
      return {
        id,
        name: cfg?.name ?? id,
        kind: cfg?.kind ?? "unknown",
        state: kind ?? (t.samples > 0 ? "normal" : "unknown"),
        ratios: t.ratios(),
      };
    });
    return {
      id: region.id,
      names: region.names,
      state: worst(open) ?? (regionTally.samples > 0 ? "normal" : "unknown"),
      networks,
      ratios: regionTally.ratios(),
      lastMeasurementAt: last.get(region.id) ?? null,
      openIncidents: open.map((i) => i.id),
    };
  });
  return { generatedAt: input.now.toISOString(), regions };
}

/** Reads what buildRegionsView needs from the store. */
export async function loadRegionsView(
  store: Store,
  config: KeepWatchConfig,
  now: Date,
  recentWindowSeconds: number,
): Promise<RegionsView> {
  const since = new Date(now.getTime() - recentWindowSeconds * 1000);
  const [openIncidents, recentStats, lastSeen] = await Promise.all([
    store.listIncidents({ status: "open", limit: 10_000 }),
    // One wide bucket over per-network rollups: a handful of rows per network, whatever the target count.
    store.networkStats({ since, until: now, bucketSeconds: Math.max(60, Math.ceil(recentWindowSeconds / 60) * 60) }),
    store.lastSeen(),
  ]);
  return buildRegionsView({ config, openIncidents, recentStats, lastSeen, now });
}
