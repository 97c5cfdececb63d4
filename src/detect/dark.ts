// Darkness: silence judged per network and per region from the set of *active* probes (roster.ts), by
// when measurements were TAKEN, against how often those probes measure. Pure.
//
// A network is silent over a run of windows when no measurement taken in them has arrived. The run is
// dark once it is longer than the network's threshold, max(darkAfterSeconds, cadenceFactor × its slowest
// active probe's cadence + uploadGraceSeconds) — so a probe measuring every 30 minutes never flaps dark
// between rounds — and only while other networks (of the region or elsewhere, or the control vantage)
// report, so the silence is the network's and not the collector's. Then every window of the run is dark,
// from the first one after the last measurement heard. A run is not dark while the network was still
// delivering during it (results arriving well after the last measurement heard, however old their
// stamps; for an ongoing run, within the last threshold): a throttled region's results arrive late, not
// never. Late arrivals fill the run and revise it.
// A region is dark when every one of its active networks is dark at once.
import type { ProbeSeen } from "./types.js";
import type { SeriesWindow } from "./hysteresis.js";
import type { WindowIndex } from "./window.js";
import { networkKey } from "./window.js";

/**
 * What darkness needs to know: which networks reported in which window (with their newest measurement),
 * which regions did, and whether the control vantage did. Activity (networkStats) and a WindowIndex both
 * give it (networkActivityOf for the latter).
 */
export type ActivityIndex = Pick<WindowIndex, "windowMs"> & {
  readonly reporting: ReadonlyMap<number, ReadonlyMap<string, number>>;
  readonly control: ReadonlyMap<number, { readonly size: number }>;
  /** Per networkKey (role "region"): window start → newest measurement taken in it (epoch ms). */
  readonly byNetwork: ReadonlyMap<string, ReadonlyMap<number, number>>;
};

export interface DarkSettings {
  windowSeconds: number;
  darkAfterSeconds: number;
  cadenceFactor: number;
  uploadGraceSeconds: number;
}

export interface DarkWindow extends SeriesWindow {
  region: string;
  /** null for the region as a whole. */
  network: string | null;
  /** Newest measurement heard before this window ended (epoch ms), null when never heard. */
  lastHeard: number | null;
  /** Others (networks, regions, the control) reporting in this window or the one before. */
  othersReporting: number;
}

/** Per-network activity of a WindowIndex (the one-shot path and tests). */
export function networkActivityOf(index: WindowIndex): Map<string, Map<number, number>> {
  const out = new Map<string, Map<number, number>>();
  for (const [key, windows] of index.networks) out.set(key, new Map(windows.map((w) => [w.start, w.lastAt])));
  return out;
}

/**
 * Silence longer than this (ms) makes these probes' network dark; null while a probe's cadence is unknown
 * (the roster says null: too few rounds seen yet), as its silence cannot be told from its schedule.
 * A cadence left undefined (callers without a roster) is taken as one window.
 */
export function darkThresholdMs(probes: readonly ProbeSeen[], s: DarkSettings): number | null {
  let cadence = 0;
  for (const p of probes) {
    if (p.cadenceSeconds === null) return null;
    cadence = Math.max(cadence, p.cadenceSeconds ?? s.windowSeconds);
  }
  return Math.max(s.darkAfterSeconds, s.cadenceFactor * cadence + s.uploadGraceSeconds) * 1000;
}

/** Per window start in [from, now): who reported in it or the one before (networkKeys, region ids, "control"). */
export function reportersAround(index: ActivityIndex, from: number, now: number): Map<number, Set<string>> {
  const { windowMs } = index;
  const out = new Map<number, Set<string>>();
  const byStart = new Map<number, string[]>();
  for (const [key, windows] of index.byNetwork) {
    for (const s of windows.keys()) {
      const keys = byStart.get(s);
      if (keys) keys.push(key);
      else byStart.set(s, [key]);
    }
  }
  for (let start = Math.floor(from / windowMs) * windowMs; start < now; start += windowMs) {
    const around = new Set<string>();
    for (const s of [start, start - windowMs]) {
      for (const r of index.reporting.get(s)?.keys() ?? []) around.add(r);
      for (const k of byStart.get(s) ?? []) around.add(k);
      if ((index.control.get(s)?.size ?? 0) > 0) around.add("control");
    }
    out.set(start, around);
  }
  return out;
}

function firstIndexedStart(index: ActivityIndex, from: number): number {
  let first = from;
  for (const s of index.reporting.keys()) if (s < first) first = s;
  for (const windows of index.byNetwork.values()) for (const s of windows.keys()) if (s < first) first = s;
  return Math.floor(first / index.windowMs) * index.windowMs;
}

/**
 * One verdict per window in [from, now) for one network: good (a measurement taken in it arrived),
 * bad/"dark", or insufficient (silent, but not long enough yet, or still delivering, or nobody else
 * reporting either, or never heard). `probes` are the network's active probes.
 */
export function networkDarkSeries(
  region: string,
  network: string,
  probes: readonly ProbeSeen[],
  index: ActivityIndex,
  from: number,
  now: number,
  s: DarkSettings,
  around: ReadonlyMap<number, ReadonlySet<string>>,
): DarkWindow[] {
  const { windowMs } = index;
  const key = networkKey(region, network);
  const heardIn = index.byNetwork.get(key) ?? new Map<number, number>();
  const threshold = darkThresholdMs(probes, s) ?? Number.POSITIVE_INFINITY;
  const first = firstIndexedStart(index, from);
  let lastHeard: number | null = null;
  for (const p of probes) if (p.lastAt !== null && p.lastAt < first) lastHeard = Math.max(lastHeard ?? 0, p.lastAt);
  // A probe whose stamps are not trusted (lastAt null) was last heard when its results last arrived.
  let arrived: number | null = null;
  for (const p of probes) if (p.lastAt === null && p.receivedAt != null) arrived = Math.max(arrived ?? 0, p.receivedAt);
  const grace = s.uploadGraceSeconds * 1000;
  // Alive though late: something of this network arrived in (a, b), well after its last measurement was
  // taken (a = that time + the upload grace), so the silence is a slow link, not a cut.
  const deliveredBetween = (a: number, b: number): boolean =>
    probes.some((p) => (p.arrivals ?? []).some((x) => x.after >= a && x.after < b));
  // The detector must have watched arrivals for one threshold before calling an ongoing silence dark.
  let watched = -Infinity;
  for (const p of probes) if (p.watchedSince !== undefined) watched = Math.max(watched, p.watchedSince);

  const out: DarkWindow[] = [];
  let run: DarkWindow[] = [];
  const endRun = (until: number | null): void => {
    const stamped = run[0]?.lastHeard ?? null;
    const heard = until === null && arrived !== null ? Math.max(stamped ?? 0, arrived) : stamped;
    const end = until ?? now;
    const long = heard !== null && end - heard >= threshold;
    const alive = heard !== null && deliveredBetween(until === null ? Math.max(heard + grace, now - threshold) : heard + grace, end);
    const dark = long && !alive && (until !== null || now - watched >= threshold);
    for (const w of run) {
      if (dark && w.othersReporting > 0) {
        w.status = "bad";
        w.kind = "dark";
      }
    }
    run = [];
  };
  for (let start = first; start < now; start += windowMs) {
    const heard = heardIn.get(start);
    const reporters = around.get(start);
    const others = reporters ? reporters.size - (reporters.has(key) ? 1 : 0) - (reporters.has(region) ? 1 : 0) : 0;
    if (heard !== undefined) {
      if (run.length > 0) endRun(start);
      lastHeard = Math.max(lastHeard ?? 0, heard);
      if (start >= from) out.push({ region, network, start, end: start + windowMs, lastAt: heard, lastHeard, othersReporting: others, status: "good" });
      continue;
    }
    const w: DarkWindow = {
      region, network, start, end: start + windowMs, lastAt: lastHeard ?? start, lastHeard, othersReporting: others, status: "insufficient",
    };
    run.push(w);
    if (start >= from) out.push(w);
  }
  if (run.length > 0) endRun(null);
  return out;
}

/**
 * The region's series from its networks' series (same window starts): good when any network reported,
 * dark when every network is dark and someone outside the region reports, insufficient otherwise.
 */
export function regionDarkSeries(region: string, networks: readonly DarkWindow[][], around: ReadonlyMap<number, ReadonlySet<string>>): DarkWindow[] {
  const first = networks[0];
  if (!first) return [];
  const prefix = `${region}|`;
  return first.map((w0, i) => {
    const ws = networks.map((n) => n[i]).filter((w): w is DarkWindow => w !== undefined);
    const lastHeard = ws.reduce<number | null>((m, w) => (w.lastHeard === null ? m : Math.max(m ?? 0, w.lastHeard)), null);
    const reporters = around.get(w0.start) ?? new Set<string>();
    let outside = 0;
    for (const r of reporters) if (r !== region && !r.startsWith(prefix)) outside += 1;
    const base = { region, network: null, start: w0.start, end: w0.end, lastHeard, othersReporting: outside };
    const good = ws.find((w) => w.status === "good");
    if (good) return { ...base, lastAt: good.lastAt, status: "good" as const };
    if (ws.length === networks.length && ws.every((w) => w.status === "bad") && outside > 0) {
      return { ...base, lastAt: lastHeard ?? w0.start, status: "bad" as const, kind: "dark" as const };
    }
    return { ...base, lastAt: lastHeard ?? w0.start, status: "insufficient" as const };
  });
}
