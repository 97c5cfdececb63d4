// Detector windows: the store's rollup rows (TargetStatsRow) folded into one record per
// region × network × window, plus the control vantage's view of each window. Pure; no I/O.
import type { TargetList } from "../measurement.js";
import type { TargetStatsRow } from "../store/store.js";

/** What one probe saw of one target in one window. */
export interface ProbeTargetStats {
  total: number;
  ok: number;
  throughputSum: number;
  throughputCount: number;
  tlsHandshakeSum: number;
  tlsHandshakeCount: number;
}

/** One target in one window, summed over the network's probes. */
export interface TargetWindow extends ProbeTargetStats {
  url: string;
  list: TargetList;
  category: string;
  down: number;
  /** Failures per blocking layer ("dns", "tcp", "tls", "http-failure", "http-diff"). */
  blocked: Record<string, number>;
  dnsFailures: number;
  perProbe: Map<string, ProbeTargetStats>;
}

/** One region × network × window. `start`/`end` are epoch milliseconds. */
export interface NetworkWindow {
  key: string;
  region: string;
  network: string;
  start: number;
  end: number;
  total: number;
  ok: number;
  /** Newest measurement in the window (epoch ms). */
  lastAt: number;
  targets: Map<string, TargetWindow>;
  probes: Set<string>;
}

/** The control vantage in one window: per target, summed over every control probe. */
export type ControlWindow = Map<string, { total: number; ok: number }>;

export interface WindowIndex {
  windowMs: number;
  /** Per region × network key, windows sorted by start (only windows that have rows). */
  networks: Map<string, NetworkWindow[]>;
  /** Control view per window start. */
  control: Map<number, ControlWindow>;
  /** Regions (role "region") with any data, per window start, with their newest measurement (epoch ms). */
  reporting: Map<number, Map<string, number>>;
  /** Newest measurement per region (epoch ms) seen in the rows. */
  regionLastAt: Map<string, number>;
  /** Region ids that appeared with role "control". */
  controlRegions: Set<string>;
}

export function networkKey(region: string, network: string): string {
  return `${region}|${network}`;
}

export function windowStartOf(ms: number, windowMs: number): number {
  return Math.floor(ms / windowMs) * windowMs;
}

function emptyProbeStats(): ProbeTargetStats {
  return { total: 0, ok: 0, throughputSum: 0, throughputCount: 0, tlsHandshakeSum: 0, tlsHandshakeCount: 0 };
}

function addProbeStats(into: ProbeTargetStats, r: TargetStatsRow): void {
  into.total += r.total;
  into.ok += r.ok;
  into.throughputSum += r.throughputSum;
  into.throughputCount += r.throughputCount;
  into.tlsHandshakeSum += r.tlsHandshakeSum;
  into.tlsHandshakeCount += r.tlsHandshakeCount;
}

/** Folds rollup rows (any bucket width dividing the window) into detector windows. */
export function indexWindows(rows: readonly TargetStatsRow[], windowSeconds: number): WindowIndex {
  const windowMs = windowSeconds * 1000;
  const byKey = new Map<string, Map<number, NetworkWindow>>();
  const control = new Map<number, ControlWindow>();
  const reporting = new Map<number, Map<string, number>>();
  const regionLastAt = new Map<string, number>();
  const controlRegions = new Set<string>();

  for (const r of rows) {
    if (r.total <= 0) continue;
    const start = windowStartOf(Date.parse(r.bucketStart), windowMs);
    const lastAt = Date.parse(r.lastAt);
    if (r.role === "control") {
      controlRegions.add(r.region);
      let cw = control.get(start);
      if (!cw) control.set(start, (cw = new Map()));
      const c = cw.get(r.url) ?? { total: 0, ok: 0 };
      c.total += r.total;
      c.ok += r.ok;
      cw.set(r.url, c);
      continue;
    }
    let rep = reporting.get(start);
    if (!rep) reporting.set(start, (rep = new Map()));
    rep.set(r.region, Math.max(rep.get(r.region) ?? 0, lastAt));
    regionLastAt.set(r.region, Math.max(regionLastAt.get(r.region) ?? 0, lastAt));

    const key = networkKey(r.region, r.network);
    let windows = byKey.get(key);
    if (!windows) byKey.set(key, (windows = new Map()));
    let w = windows.get(start);
    if (!w) {
      w = {
        key, region: r.region, network: r.network, start, end: start + windowMs,
        total: 0, ok: 0, lastAt: 0, targets: new Map(), probes: new Set(),
      };
      windows.set(start, w);
    }
    w.total += r.total;
    w.ok += r.ok;
    w.lastAt = Math.max(w.lastAt, lastAt);
    w.probes.add(r.probeId);

    let t = w.targets.get(r.url);
    if (!t) {
      t = {
        url: r.url, list: r.list, category: r.category, ...emptyProbeStats(),
        down: 0, blocked: {}, dnsFailures: 0, perProbe: new Map(),
      };
      w.targets.set(r.url, t);
    }
    addProbeStats(t, r);
    t.down += r.down;
    t.dnsFailures += r.dnsFailures;
    for (const [layer, n] of Object.entries(r.blocked)) t.blocked[layer] = (t.blocked[layer] ?? 0) + n;
    let p = t.perProbe.get(r.probeId);
    if (!p) t.perProbe.set(r.probeId, (p = emptyProbeStats()));
    addProbeStats(p, r);
  }

  const networks = new Map<string, NetworkWindow[]>();
  for (const [key, windows] of byKey) networks.set(key, [...windows.values()].sort((a, b) => a.start - b.start));
  return { windowMs, networks, control, reporting, regionLastAt, controlRegions };
}
