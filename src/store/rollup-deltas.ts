// Rollup deltas, backend-neutral: the measurements one insert transaction actually stored are folded into
// per-key sums (one upsert per key instead of one per measurement) for four tables - per-target minute and
// hour rollups, and per-network (summed over probes and targets) minute and hour rollups. Each store writes
// all four in the insert's transaction from the same deltas, so they always agree and a redelivered
// measurement (not inserted) touches none of them. Keys as SQLite's migration 3: role is part of the key.
import type { MeasurementFacts } from "../measurement.js";

export const BLOCKED_COLUMNS = {
  dns: "blocked_dns",
  tcp: "blocked_tcp",
  tls: "blocked_tls",
  "http-failure": "blocked_http_failure",
  "http-diff": "blocked_http_diff",
} as const;
type BlockingKind = keyof typeof BLOCKED_COLUMNS;
export const BLOCKING_KINDS = Object.keys(BLOCKED_COLUMNS) as BlockingKind[];

/** The summed columns of every rollup table, in the order Sums.values() lists them. */
export const SUM_COLUMNS = ["total", "ok", "down", ...Object.values(BLOCKED_COLUMNS), "dns_failures",
  "throughput_sum", "throughput_count", "tls_handshake_sum", "tls_handshake_count"] as const;

/** One key's sums, in SUM_COLUMNS order, plus the newest measurement time. */
export class Sums {
  // total, ok, down, blocked x5, dns_failures, throughput sum/count, tls sum/count
  readonly v = new Array<number>(SUM_COLUMNS.length).fill(0);
  lastMs = 0;

  addFacts(f: MeasurementFacts, startedMs: number): void {
    const v = this.v;
    v[0]! += 1;
    if (f.accessible) v[1]! += 1;
    else if (f.blocking === null) v[2]! += 1;
    else {
      const i = BLOCKING_KINDS.indexOf(f.blocking as BlockingKind);
      if (i >= 0) v[3 + i]! += 1;
    }
    if (f.dnsFailure !== null) v[8]! += 1;
    if (f.bytesPerSecond !== null) {
      v[9]! += f.bytesPerSecond;
      v[10]! += 1;
    }
    if (f.tlsHandshakeTime !== null) {
      v[11]! += f.tlsHandshakeTime;
      v[12]! += 1;
    }
    if (startedMs > this.lastMs) this.lastMs = startedMs;
  }

  addSums(o: Sums): void {
    for (let i = 0; i < this.v.length; i++) this.v[i]! += o.v[i]!;
    if (o.lastMs > this.lastMs) this.lastMs = o.lastMs;
  }
}

export interface TargetDelta {
  sums: Sums;
  /** region, bucket, network, probe_id, list, url, role, category */
  cols: [string, number, string, string, string, string, string, string];
}

export interface NetworkDelta {
  sums: Sums;
  /** region, bucket, network, role, list */
  cols: [string, number, string, string, string];
}

// \u0001 cannot occur in ids or URLs, so joined keys are unambiguous.
const SEP = "\u0001";

function fold<D extends { sums: Sums }>(into: Map<string, D>, key: string, from: Sums, make: () => D): void {
  let d = into.get(key);
  if (!d) into.set(key, (d = make()));
  d.sums.addSums(from);
}

/** Accumulates the rollup deltas of the measurements one transaction actually inserted. */
export class RollupBatch {
  private readonly minutes = new Map<string, TargetDelta>();

  add(f: MeasurementFacts, startedMs: number): void {
    const bucket = Math.floor(startedMs / 60_000) * 60;
    const key = f.region + SEP + bucket + SEP + f.network + SEP + f.probeId + SEP + f.list + SEP + f.url + SEP + f.role;
    let d = this.minutes.get(key);
    if (!d) {
      d = { sums: new Sums(), cols: [f.region, bucket, f.network, f.probeId, f.list, f.url, f.role, f.category] };
      this.minutes.set(key, d);
    }
    d.sums.addFacts(f, startedMs);
  }

  /** The deltas of all four tables, each key once; the batch is empty afterwards. */
  take(): RollupDeltas {
    const hours = new Map<string, TargetDelta>();
    const netMinutes = new Map<string, NetworkDelta>();
    for (const d of this.minutes.values()) {
      const [region, bucket, network, probeId, list, url, role, category] = d.cols;
      const hour = bucket - (bucket % 3600);
      fold(hours, region + SEP + hour + SEP + network + SEP + probeId + SEP + list + SEP + url + SEP + role, d.sums,
        () => ({ sums: new Sums(), cols: [region, hour, network, probeId, list, url, role, category] }));
      fold(netMinutes, region + SEP + bucket + SEP + network + SEP + role + SEP + list, d.sums,
        () => ({ sums: new Sums(), cols: [region, bucket, network, role, list] }));
    }
    const netHours = new Map<string, NetworkDelta>();
    for (const d of netMinutes.values()) {
      const [region, bucket, network, role, list] = d.cols;
      const hour = bucket - (bucket % 3600);
      fold(netHours, region + SEP + hour + SEP + network + SEP + role + SEP + list, d.sums,
        () => ({ sums: new Sums(), cols: [region, hour, network, role, list] }));
    }
    const out = {
      minute: [...this.minutes.values()],
      hour: [...hours.values()],
      networkMinute: [...netMinutes.values()],
      networkHour: [...netHours.values()],
    };
    this.minutes.clear();
    return out;
  }
}

export interface RollupDeltas {
  minute: TargetDelta[];
  hour: TargetDelta[];
  networkMinute: NetworkDelta[];
  networkHour: NetworkDelta[];
}
