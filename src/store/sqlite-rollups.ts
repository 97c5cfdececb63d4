// Rollups for the SQLite store: folding a batch of newly stored measurements into per-minute deltas (one
// upsert per key instead of one per measurement). Reading them back is sqlite-target-stats.ts.
import type { Database, Statement } from "better-sqlite3";
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

interface RollupDelta {
  bucket: number;
  region: string;
  network: string;
  probeId: string;
  list: string;
  url: string;
  role: string;
  category: string;
  total: number;
  ok: number;
  down: number;
  blocked: Record<BlockingKind, number>;
  dnsFailures: number;
  throughputSum: number;
  throughputCount: number;
  tlsHandshakeSum: number;
  tlsHandshakeCount: number;
  lastMs: number;
}

/** Accumulates the rollup deltas of the measurements one transaction actually inserted. */
export class RollupBatch {
  private readonly deltas = new Map<string, RollupDelta>();

  add(f: MeasurementFacts, startedMs: number): void {
    const bucket = Math.floor(startedMs / 60_000) * 60;
    // \u0001 cannot occur in ids or URLs, so the joined key is unambiguous.
    const key = [bucket, f.region, f.network, f.probeId, f.list, f.url].join("\u0001");
    let d = this.deltas.get(key);
    if (!d) {
      d = {
        bucket, region: f.region, network: f.network, probeId: f.probeId, list: f.list, url: f.url,
        role: f.role, category: f.category, total: 0, ok: 0, down: 0,
        blocked: { dns: 0, tcp: 0, tls: 0, "http-failure": 0, "http-diff": 0 },
        dnsFailures: 0, throughputSum: 0, throughputCount: 0, tlsHandshakeSum: 0, tlsHandshakeCount: 0, lastMs: 0,
      };
      this.deltas.set(key, d);
    }
    d.total += 1;
    if (f.accessible) d.ok += 1;
    else if (f.blocking === null) d.down += 1;
    else if (f.blocking in BLOCKED_COLUMNS) d.blocked[f.blocking as BlockingKind] += 1;
    if (f.dnsFailure !== null) d.dnsFailures += 1;
    if (f.bytesPerSecond !== null) {
      d.throughputSum += f.bytesPerSecond;
      d.throughputCount += 1;
    }
    if (f.tlsHandshakeTime !== null) {
      d.tlsHandshakeSum += f.tlsHandshakeTime;
      d.tlsHandshakeCount += 1;
    }
    d.lastMs = Math.max(d.lastMs, startedMs);
  }

  /** Writes the deltas; must run inside the insert's transaction. */
  flush(upsert: Statement): void {
    for (const d of this.deltas.values()) {
      upsert.run(d.bucket, d.region, d.network, d.probeId, d.list, d.url, d.role, d.category, d.total, d.ok, d.down,
        d.blocked.dns, d.blocked.tcp, d.blocked.tls, d.blocked["http-failure"], d.blocked["http-diff"],
        d.dnsFailures, d.throughputSum, d.throughputCount, d.tlsHandshakeSum, d.tlsHandshakeCount, d.lastMs);
    }
    this.deltas.clear();
  }
}

export function prepareRollupUpsert(db: Database): Statement {
  const sums = ["total", "ok", "down", ...Object.values(BLOCKED_COLUMNS), "dns_failures", "throughput_sum",
    "throughput_count", "tls_handshake_sum", "tls_handshake_count"];
  return db.prepare(`INSERT INTO rollups_minute (bucket, region, network, probe_id, list, url, role, category,
      ${sums.join(", ")}, last_ms)
    VALUES (${new Array(8 + sums.length + 1).fill("?").join(", ")})
    ON CONFLICT (bucket, region, network, probe_id, list, url) DO UPDATE SET
      ${sums.map((c) => `${c} = ${c} + excluded.${c}`).join(", ")},
      last_ms = MAX(last_ms, excluded.last_ms)`);
}
