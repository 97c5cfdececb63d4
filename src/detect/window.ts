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
  /** The store rows behind it (one per probe), for the rarely needed details: see perProbe(), blockedBy(). */
  rows: TargetStatsRow[];
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

/** What the control vantage saw of one target: success and performance, summed over its probes. */
export type ControlTarget = ProbeTargetStats;

/** The control vantage in one window: per target, summed over every control probe. */
export type ControlWindow = Map<string, ControlTarget>;

/**
 * The control's view "near" a window: per target, that window's measurements, or else the window
 * before's (a control round that spilled over a window edge: any two adjacent windows hold a whole
 * round). A target missing here was not measured by the control anywhere near: its failures cannot be
 * told from an outage. Not the window after: it is still being measured when this one is judged.
 */
export function controlNear(control: ReadonlyMap<number, ControlWindow>, start: number, windowMs: number): ControlWindow {
  const here = control.get(start);
  const before = control.get(start - windowMs);
  if (!before) return here ?? new Map();
  const out: ControlWindow = new Map(here ?? []);
  for (const [url, c] of before) if (!out.has(url)) out.set(url, c);
  return out;
}

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

export function emptyProbeStats(): ProbeTargetStats {
  return { total: 0, ok: 0, throughputSum: 0, throughputCount: 0, tlsHandshakeSum: 0, tlsHandshakeCount: 0 };
}

export function addProbeStats(into: ProbeTargetStats, r: ProbeTargetStats): void {
  into.total += r.total;
  into.ok += r.ok;
  into.throughputSum += r.throughputSum;
  into.throughputCount += r.throughputCount;
  into.tlsHandshakeSum += r.tlsHandshakeSum;
  into.tlsHandshakeCount += r.tlsHandshakeCount;
}

/** What each probe saw of this target in the window. */
export function perProbe(t: TargetWindow): Map<string, ProbeTargetStats> {
  const out = new Map<string, ProbeTargetStats>();
  for (const r of t.rows) {
    let p = out.get(r.probeId);
    if (!p) out.set(r.probeId, (p = emptyProbeStats()));
    addProbeStats(p, r);
  }
  return out;
}

/** Failures with any blocking verdict in one store row. */
export function blockedFailures(r: TargetStatsRow): number {
  let n = 0;
  for (const k in r.blocked) n += r.blocked[k] ?? 0;
  return n;
}

/**
 * Successes counting a throughput target whose site check failed only because its body came slowly: an
 * http-failure while the throughput download moved bytes (bytesPerSecond is set only then) is a
 * reachable, slow site, and throughput is the signal for it, not reachability.
 */
export function reachable(s: { ok: number; throughputCount: number }, httpFailures: number): number {
  // Successes usually carry a throughput figure too: only the downloads beyond them vouch for failures.
  return s.ok + Math.min(httpFailures, Math.max(0, s.throughputCount - s.ok));
}

/** Failures of this target blocked at `layer` ("dns", "tcp", …). */
export function blockedBy(t: TargetWindow, layer: string): number {
  let n = 0;
  for (const r of t.rows) n += r.blocked[layer] ?? 0;
  return n;
}

/**
 * Folds rollup rows (any bucket width dividing the window) into detector windows. Hot path of every
 * pass (hundreds of thousands of rows): consecutive rows of one window and network are the common case
 * (the store orders by bucket, region, network), so the last window is reused without a lookup, and
 * times are parsed once per distinct string.
 */
export function indexWindows(rows: readonly TargetStatsRow[], windowSeconds: number): WindowIndex {
  const windowMs = windowSeconds * 1000;
  const byKey = new Map<string, Map<number, NetworkWindow>>();
  const control = new Map<number, ControlWindow>();
  const reporting = new Map<number, Map<string, number>>();
  const regionLastAt = new Map<string, number>();
  const controlRegions = new Set<string>();
  const parsed = new Map<string, number>();
  const parse = (iso: string): number => {
    let ms = parsed.get(iso);
    if (ms === undefined) {
      ms = Date.parse(iso);
      if (parsed.size > 100_000) parsed.clear(); // bound the cache on wildly varied lastAt values
      parsed.set(iso, ms);
    }
    return ms;
  };
  let w: NetworkWindow | undefined;
  let wBucket = "";

  for (const r of rows) {
    if (r.total <= 0) continue;
    if (r.role === "control") {
      controlRegions.add(r.region);
      const start = windowStartOf(parse(r.bucketStart), windowMs);
      let cw = control.get(start);
      if (!cw) control.set(start, (cw = new Map()));
      const c = cw.get(r.url);
      if (c) addProbeStats(c, r);
      else {
        const fresh = emptyProbeStats();
        addProbeStats(fresh, r);
        cw.set(r.url, fresh);
      }
      continue;
    }
    const lastAt = parse(r.lastAt);
    if (!w || wBucket !== r.bucketStart || w.region !== r.region || w.network !== r.network) {
      const start = windowStartOf(parse(r.bucketStart), windowMs);
      const key = networkKey(r.region, r.network);
      let windows = byKey.get(key);
      if (!windows) byKey.set(key, (windows = new Map()));
      w = windows.get(start);
      if (!w) {
        w = {
          key, region: r.region, network: r.network, start, end: start + windowMs,
          total: 0, ok: 0, lastAt: 0, targets: new Map(), probes: new Set(),
        };
        windows.set(start, w);
      }
      wBucket = r.bucketStart;
      let rep = reporting.get(start);
      if (!rep) reporting.set(start, (rep = new Map()));
      if (!rep.has(r.region)) rep.set(r.region, 0);
    }
    w.total += r.total;
    w.ok += r.ok;
    if (lastAt > w.lastAt) w.lastAt = lastAt;
    w.probes.add(r.probeId);

    let t = w.targets.get(r.url);
    if (!t) {
      t = { url: r.url, list: r.list, category: r.category, ...emptyProbeStats(), rows: [] };
      w.targets.set(r.url, t);
    }
    addProbeStats(t, r);
    t.rows.push(r);
  }

  const networks = new Map<string, NetworkWindow[]>();
  for (const [key, windows] of byKey) {
    const sorted = [...windows.values()].sort((a, b) => a.start - b.start);
    networks.set(key, sorted);
    for (const nw of sorted) {
      const rep = reporting.get(nw.start);
      if (rep) rep.set(nw.region, Math.max(rep.get(nw.region) ?? 0, nw.lastAt));
      regionLastAt.set(nw.region, Math.max(regionLastAt.get(nw.region) ?? 0, nw.lastAt));
    }
  }
  return { windowMs, networks, control, reporting, regionLastAt, controlRegions };
}
