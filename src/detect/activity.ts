// A pass's cheap first read: networkStats (sums per window × region × network × role × list, a few
// thousand rows where targetStats has hundreds of thousands) folded into who reported in which window,
// and a fingerprint of each window's data. Darkness needs nothing more, and a window whose fingerprint
// is unchanged since it was last classified need not be read or classified again. Pure; no I/O.
import type { NetworkStatsRow } from "../store/store.js";
import type { ActivityIndex } from "./dark.js";
import { networkKey, windowStartOf } from "./window.js";

export interface NetworkActivity {
  region: string;
  network: string;
  /** Fingerprint of this network's data per window start. */
  windows: Map<number, string>;
}

export interface Activity extends ActivityIndex {
  windowMs: number;
  /** Per networkKey (role "region"), in the order the store's rows first show them. */
  networks: Map<string, NetworkActivity>;
  /** Regions (role "region") with data per window start, with their newest measurement (epoch ms). */
  reporting: Map<number, Map<string, number>>;
  /** Per networkKey (role "region"): window start → newest measurement taken in it. */
  byNetwork: Map<string, Map<number, number>>;
  /** Control regions with data per window start. */
  control: Map<number, Set<string>>;
  /** Fingerprint of every control vantage's data per window start. */
  controlPrints: Map<number, string>;
  /** Region ids that appeared with role "control". */
  controlRegions: Set<string>;
}

/**
 * Everything an insert can change shows in these sums: a new measurement raises `total` at least.
 * The other figures are there so a store that rewrote a row in place would still be noticed.
 */
function print(r: NetworkStatsRow): string {
  return `${r.list}/${r.total}/${r.ok}/${r.lastAt}/${r.throughputSum}/${r.tlsHandshakeSum}`;
}

function append(map: Map<number, string>, start: number, part: string): void {
  const before = map.get(start);
  map.set(start, before === undefined ? part : `${before};${part}`);
}

export function summarizeActivity(rows: readonly NetworkStatsRow[], windowSeconds: number): Activity {
  const windowMs = windowSeconds * 1000;
  const networks = new Map<string, NetworkActivity>();
  const reporting = new Map<number, Map<string, number>>();
  const control = new Map<number, Set<string>>();
  const controlPrints = new Map<number, string>();
  const controlRegions = new Set<string>();
  const byNetwork = new Map<string, Map<number, number>>();
  // Many rows share a bucket start and a last time: parse each distinct string once.
  const parsed = new Map<string, number>();
  const parse = (iso: string): number => {
    let ms = parsed.get(iso);
    if (ms === undefined) parsed.set(iso, (ms = Date.parse(iso)));
    return ms;
  };

  for (const r of rows) {
    if (r.total <= 0) continue;
    const start = windowStartOf(parse(r.bucketStart), windowMs);
    if (r.role === "control") {
      controlRegions.add(r.region);
      let regions = control.get(start);
      if (!regions) control.set(start, (regions = new Set()));
      regions.add(r.region);
      append(controlPrints, start, `${r.region}|${r.network}|${print(r)}`);
      continue;
    }
    const key = networkKey(r.region, r.network);
    let n = networks.get(key);
    if (!n) networks.set(key, (n = { region: r.region, network: r.network, windows: new Map() }));
    append(n.windows, start, print(r));
    let heard = byNetwork.get(key);
    if (!heard) byNetwork.set(key, (heard = new Map()));
    heard.set(start, Math.max(heard.get(start) ?? 0, parse(r.lastAt)));
    let rep = reporting.get(start);
    if (!rep) reporting.set(start, (rep = new Map()));
    rep.set(r.region, Math.max(rep.get(r.region) ?? 0, parse(r.lastAt)));
  }
  return { windowMs, networks, reporting, control, controlPrints, controlRegions, byNetwork };
}
