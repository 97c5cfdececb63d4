// The rollup tables as SQLite schema versions 1-3 created and rebuilt them, for those migrations (./migrations.ts).
// The rollup sums as they were when versions 1-3 were written: a migration's SQL stays as it ran, so these are
// not shared with the live code's SUM_COLUMNS (which later versions changed).
const SUM_NAMES = ["total", "ok", "down", "blocked_dns", "blocked_tcp", "blocked_tls", "blocked_http_failure",
  "blocked_http_diff", "dns_failures", "throughput_sum", "throughput_count", "tls_handshake_sum",
  "tls_handshake_count", "last_ms"] as const;
const REAL_SUMS = new Set<string>(["throughput_sum", "tls_handshake_sum"]);
const TARGET_ROLLUP_COLUMNS = SUM_NAMES.map((c) => `${c} ${REAL_SUMS.has(c) ? "REAL" : "INTEGER"} NOT NULL`).join(", ");
export const SUMS = SUM_NAMES.join(", ");
/** The sums of rows grouped together: SUM of each count, MAX of the newest time. */
export const SUMMED = SUM_NAMES.map((c) => (c === "last_ms" ? `MAX(${c})` : `SUM(${c})`)).join(", ");

/** A rollup table of versions 1-3: TEXT key columns (bucket INTEGER) then the sums, keyed by `primaryKey`. */
export function rollupTable(table: string, keys: readonly string[], primaryKey: readonly string[]): string {
  const keyColumns = keys.map((c) => `${c} ${c === "bucket" ? "INTEGER" : "TEXT"} NOT NULL`).join(", ");
  return `CREATE TABLE ${table} (${keyColumns}, ${TARGET_ROLLUP_COLUMNS},
        PRIMARY KEY (${primaryKey.join(", ")})) WITHOUT ROWID;`;
}
export const TARGET_KEYS = ["region", "bucket", "network", "probe_id", "list", "url", "role", "category"] as const;
export const TARGET_PK = ["region", "bucket", "network", "probe_id", "list", "url"] as const;
export const NETWORK_KEYS = ["region", "bucket", "network", "role", "list"] as const;

/**
 * Version 3: a per-target rollup table re-keyed with role, so a probe's rows under two roles (what a forged
 * "control" upload made before the server decided roles) are never summed together. Buckets that raw
 * measurements still cover in full are recomputed from them, each measurement under its own role; older
 * buckets (raw already pruned) keep their rows as they were, under the role they were first written with.
 */
export function rebuildTargetRollups(table: string, width: number): string {
  return `
      ${rollupTable(`${table}_v3`, TARGET_KEYS, [...TARGET_PK, "role"])}
      -- First bucket whose every raw row is still there: the one after the bucket of the oldest raw row
      -- (pruning may have taken that bucket's earlier rows). NULL when there is no raw row.
      CREATE TEMP TABLE ${table}_cut AS
        SELECT (MIN(started_ms) / ${width * 1000}) * ${width} + ${width} AS b FROM measurements;
      INSERT INTO ${table}_v3 (${TARGET_KEYS.join(", ")}, ${SUMS})
        SELECT ${TARGET_KEYS.join(", ")}, ${SUMS} FROM ${table}
        WHERE bucket < COALESCE((SELECT b FROM ${table}_cut), 9223372036854775807);
      INSERT INTO ${table}_v3 (${TARGET_KEYS.join(", ")}, ${SUMS})
        SELECT region, (started_ms / ${width * 1000}) * ${width} AS b, network, probe_id, list, url, role,
          MIN(category), COUNT(*), SUM(accessible), SUM(accessible = 0 AND blocking IS NULL),
          SUM(accessible = 0 AND blocking IS 'dns'), SUM(accessible = 0 AND blocking IS 'tcp'),
          SUM(accessible = 0 AND blocking IS 'tls'), SUM(accessible = 0 AND blocking IS 'http-failure'),
          SUM(accessible = 0 AND blocking IS 'http-diff'), SUM(dns_failure IS NOT NULL), TOTAL(bytes_per_second),
          COUNT(bytes_per_second), TOTAL(tls_handshake_time), COUNT(tls_handshake_time), MAX(started_ms)
        FROM measurements WHERE started_ms >= (SELECT b FROM ${table}_cut) * 1000
        GROUP BY region, b, network, probe_id, list, url, role
        ORDER BY region, b, network, probe_id, list, url, role;
      DROP TABLE ${table}_cut;
      DROP TABLE ${table};
      ALTER TABLE ${table}_v3 RENAME TO ${table};`;
}
