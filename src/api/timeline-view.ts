// GET /api/v1/regions/:id/timeline: rollups re-bucketed per network into a gap-filled series. Empty buckets are
// kept with null ratios and samples 0 so a chart shows a gap instead of joining across missing data.
import type { NetworkStatsRow } from "../store/store.js";
import { RatioTally, type ListRatios } from "../views/ratios.js";

export interface TimelinePoint extends ListRatios {
  t: string;
  throughputBps: number | null;
  tlsHandshakeS: number | null;
  dnsFailures: number;
  samples: number;
}

export interface TimelineSeries {
  network: string;
  points: TimelinePoint[];
}

class BucketAccumulator {
  readonly ratios = new RatioTally();
  throughputSum = 0;
  throughputCount = 0;
  tlsSum = 0;
  tlsCount = 0;
  dnsFailures = 0;

  add(row: NetworkStatsRow): void {
    this.ratios.add(row);
    this.throughputSum += row.throughputSum;
    this.throughputCount += row.throughputCount;
    this.tlsSum += row.tlsHandshakeSum;
    this.tlsCount += row.tlsHandshakeCount;
    this.dnsFailures += row.dnsFailures;
  }

  point(t: string): TimelinePoint {
    return {
      t,
      ...this.ratios.ratios(),
      throughputBps: this.throughputCount > 0 ? this.throughputSum / this.throughputCount : null,
      tlsHandshakeS: this.tlsCount > 0 ? this.tlsSum / this.tlsCount : null,
      dnsFailures: this.dnsFailures,
      samples: this.ratios.samples,
    };
  }
}

/** Bucket starts aligned to the epoch, covering [since, until). */
export function bucketStarts(since: Date, until: Date, bucketSeconds: number): number[] {
  const step = bucketSeconds * 1000;
  const out: number[] = [];
  for (let t = Math.floor(since.getTime() / step) * step; t < until.getTime(); t += step) out.push(t);
  return out;
}

export function buildTimeline(
  rows: NetworkStatsRow[],
  since: Date,
  until: Date,
  bucketSeconds: number,
  configuredNetworks: string[],
): TimelineSeries[] {
  const step = bucketSeconds * 1000;
  const byNetwork = new Map<string, Map<number, BucketAccumulator>>();
  for (const n of configuredNetworks) byNetwork.set(n, new Map());
  for (const row of rows) {
    if (row.role !== "region") continue;
    let buckets = byNetwork.get(row.network);
    if (!buckets) byNetwork.set(row.network, (buckets = new Map()));
    // Re-align defensively: the store returns bucket starts already, but a store may align differently.
    const t = Math.floor(Date.parse(row.bucketStart) / step) * step;
    let acc = buckets.get(t);
    if (!acc) buckets.set(t, (acc = new BucketAccumulator()));
    acc.add(row);
  }
  const starts = bucketStarts(since, until, bucketSeconds);
  const empty = new BucketAccumulator();
  return [...byNetwork.entries()].map(([network, buckets]) => ({
    network,
    points: starts.map((t) => (buckets.get(t) ?? empty).point(new Date(t).toISOString())),
  }));
}
