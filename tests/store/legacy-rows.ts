// What SQLite stores before schema version 6 wrote, for migration tests: measurements as JSON text with their
// facts as string columns, and rollups summed from those rows by the old (string-keyed) layout. Written with
// plain SQL against whatever columns the old version's tables have, as the old store's insert did.
import type { Database } from "better-sqlite3";
import { isUncounted, measurementFacts, type Measurement } from "../../src/measurement.js";

function columns(db: Database, table: string): Set<string> {
  return new Set((db.prepare(`SELECT name FROM pragma_table_info('${table}')`).all() as { name: string }[]).map((c) => c.name));
}

/** Inserts measurements the way the version-1..5 store did (JSON.stringify(m) in `json`). */
export function insertLegacyMeasurements(db: Database, batch: readonly Measurement[]): void {
  const have = columns(db, "measurements");
  const cols = ["id", "probe_id", "role", "region", "network", "asn", "network_kind", "url", "list", "category", "started_ms",
    "started_at", "accessible", "blocking", "failure", "dns_failure", "tls_handshake_time", "bytes_per_second", "json",
    ...(have.has("received_at") ? ["received_at"] : []), ...(have.has("local_failure") ? ["local_failure"] : [])];
  const insert = db.prepare(`INSERT INTO measurements (${cols.join(", ")}) VALUES (${cols.map((c) => `@${c}`).join(", ")})`);
  db.transaction(() => {
    for (const m of batch) {
      const f = measurementFacts(m);
      const row: Record<string, unknown> = {
        id: f.id, probe_id: f.probeId, role: f.role, region: f.region, network: f.network, asn: f.asn,
        network_kind: f.networkKind, url: f.url, list: f.list, category: f.category, started_ms: Date.parse(f.startedAt),
        started_at: f.startedAt, accessible: f.accessible ? 1 : 0, blocking: f.blocking, failure: f.failure,
        dns_failure: f.dnsFailure, tls_handshake_time: f.tlsHandshakeTime, bytes_per_second: f.bytesPerSecond,
        json: JSON.stringify(m), received_at: f.receivedAt, local_failure: isUncounted(m) ? 1 : 0,
      };
      insert.run(Object.fromEntries(cols.map((c) => [c, row[c]])));
    }
  })();
}

const SUMS = `COUNT(*), SUM(accessible), SUM(accessible = 0 AND blocking IS NULL),
  SUM(accessible = 0 AND blocking IS 'dns'), SUM(accessible = 0 AND blocking IS 'tcp'), SUM(accessible = 0 AND blocking IS 'tls'),
  SUM(accessible = 0 AND blocking IS 'http-failure'), SUM(accessible = 0 AND blocking IS 'http-diff'),
  SUM(dns_failure IS NOT NULL), TOTAL(bytes_per_second), COUNT(bytes_per_second), TOTAL(tls_handshake_time),
  COUNT(tls_handshake_time), MAX(started_ms)`;
const SUM_NAMES = `total, ok, down, blocked_dns, blocked_tcp, blocked_tls, blocked_http_failure, blocked_http_diff, dns_failures,
  throughput_sum, throughput_count, tls_handshake_sum, tls_handshake_count, last_ms`;

/**
 * The four rollup tables, last_seen and probes of a version-3..5 database, summed from its measurements as
 * the old insert path did (local failures left out).
 */
export function fillLegacyRollups(db: Database): void {
  const counted = "FROM measurements WHERE local_failure = 0";
  for (const [table, width] of [["rollups_minute", 60], ["rollups_hour", 3600]] as const) {
    db.exec(`INSERT INTO ${table} (region, bucket, network, probe_id, list, url, role, category, ${SUM_NAMES})
      SELECT region, (started_ms / ${width * 1000}) * ${width} AS b, network, probe_id, list, url, role, MIN(category), ${SUMS}
      ${counted} GROUP BY region, b, network, probe_id, list, url, role`);
  }
  for (const [table, width] of [["network_rollups_minute", 60], ["network_rollups_hour", 3600]] as const) {
    db.exec(`INSERT INTO ${table} (region, bucket, network, role, list, ${SUM_NAMES})
      SELECT region, (started_ms / ${width * 1000}) * ${width} AS b, network, role, list, ${SUMS}
      ${counted} GROUP BY region, b, network, role, list`);
  }
  db.exec(`INSERT INTO last_seen (region, network, probe_id, last_ms)
    SELECT region, network, probe_id, MAX(started_ms) ${counted} GROUP BY region, network, probe_id`);
  db.exec(`INSERT INTO probes (id, region, network, role, last_seen_ms, measurements)
    SELECT probe_id, MIN(region), MIN(network), MIN(role), MAX(started_ms), COUNT(*) ${counted} GROUP BY probe_id`);
}

/** rollups_minute (keyed bucket first, no role in the key), last_seen and probes of a version-1 database. */
export function fillVersion1Rollups(db: Database): void {
  db.exec(`INSERT INTO rollups_minute (bucket, region, network, probe_id, list, url, role, category, ${SUM_NAMES})
    SELECT (started_ms / 60000) * 60 AS b, region, network, probe_id, list, url, MIN(role), MIN(category), ${SUMS}
    FROM measurements GROUP BY b, region, network, probe_id, list, url`);
  db.exec(`INSERT INTO last_seen (region, network, probe_id, last_ms)
    SELECT region, network, probe_id, MAX(started_ms) FROM measurements GROUP BY region, network, probe_id`);
  db.exec(`INSERT INTO probes (id, region, network, role, last_seen_ms, measurements)
    SELECT probe_id, MIN(region), MIN(network), MIN(role), MAX(started_ms), COUNT(*) FROM measurements GROUP BY probe_id`);
}
