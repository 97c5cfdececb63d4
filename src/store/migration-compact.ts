// Schema version 6, compact storage: raw measurements in the codec's compact form with small fact columns
// (strings as ids into `names`), fewer and smaller indexes, and the per-target rollups keyed by name ids.
// Existing rows are converted in place, oldest first, in the migration's one transaction (their JSON text is
// compressed as it is, so they decode to exactly what was stored). Network rollups, last_seen and the
// other tables keep their strings: they are small and the API reads them directly.
import type { Database } from "better-sqlite3";
import type { Measurement } from "../measurement.js";
import { codecContext, encodeMeasurementJson } from "./measurement-codec.js";
import { NameTable } from "./sqlite-names.js";
import { INSERT_COLUMNS, measurementRow } from "./sqlite-measurement-row.js";
import { SUM_COLUMNS } from "./sqlite-rollups.js";

const SUM_DEFS = `total INTEGER NOT NULL, ok INTEGER NOT NULL, down INTEGER NOT NULL,
        blocked_dns INTEGER NOT NULL, blocked_tcp INTEGER NOT NULL, blocked_tls INTEGER NOT NULL,
        blocked_http_failure INTEGER NOT NULL, blocked_http_diff INTEGER NOT NULL, dns_failures INTEGER NOT NULL,
        throughput_sum REAL NOT NULL, throughput_count INTEGER NOT NULL, tls_handshake_sum REAL NOT NULL,
        tls_handshake_count INTEGER NOT NULL`;

const NAMED = ["region", "network", "probe_id", "list", "url", "role", "category"] as const;

const ref = (column: string) => `(SELECT id FROM names WHERE name = r.${column})`;

function targetRollups(table: string): string {
  return `
    CREATE TABLE ${table}_v6 (
      region_ref INTEGER NOT NULL, bucket INTEGER NOT NULL, network_ref INTEGER NOT NULL, probe_ref INTEGER NOT NULL,
      list_ref INTEGER NOT NULL, url_ref INTEGER NOT NULL, role_ref INTEGER NOT NULL, category_ref INTEGER NOT NULL,
      ${SUM_DEFS},
      -- Newest measurement's time as ms after the bucket's start (2-3 bytes instead of 6).
      last_offset_ms INTEGER NOT NULL,
      PRIMARY KEY (region_ref, bucket, network_ref, probe_ref, list_ref, url_ref, role_ref)
    ) WITHOUT ROWID;
    INSERT INTO ${table}_v6 (region_ref, bucket, network_ref, probe_ref, list_ref, url_ref, role_ref, category_ref,
        ${SUM_COLUMNS.join(", ")}, last_offset_ms)
      SELECT ${ref("region")}, bucket, ${["network", "probe_id", "list", "url", "role", "category"].map(ref).join(", ")},
        ${SUM_COLUMNS.join(", ")}, last_ms - bucket * 1000
      FROM ${table} r;
    DROP TABLE ${table};
    ALTER TABLE ${table}_v6 RENAME TO ${table};`;
}

export const COMPACT_BEFORE = `
  -- Every string the measurements and per-target rollups refer to, once. Never deleted or changed.
  CREATE TABLE names (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
  ${["rollups_minute", "rollups_hour"].flatMap((t) => NAMED.map((c) => `INSERT OR IGNORE INTO names (name) SELECT DISTINCT ${c} FROM ${t};`)).join("\n  ")}

  CREATE TABLE measurements_v6 (
    -- Row id: insertion order; what the indexes below point at.
    seq INTEGER PRIMARY KEY,
    -- 16-byte BLOB for a lower-case UUID, else the id's TEXT.
    id NOT NULL,
    started_ms INTEGER NOT NULL,
    -- startedAt only when it is not new Date(started_ms).toISOString().
    started_at TEXT,
    -- receivedAt as ms after started_ms when toISOString gives it back exactly, else its TEXT; NULL when absent.
    received_at,
    region_ref INTEGER NOT NULL, network_ref INTEGER NOT NULL, probe_ref INTEGER NOT NULL, role_ref INTEGER NOT NULL,
    url_ref INTEGER NOT NULL, list_ref INTEGER NOT NULL, category_ref INTEGER NOT NULL, kind_ref INTEGER NOT NULL,
    asn INTEGER,
    accessible INTEGER NOT NULL,
    blocking TEXT,
    failure TEXT,
    dns_failure TEXT,
    tls_handshake_time REAL,
    bytes_per_second REAL,
    local_failure INTEGER NOT NULL DEFAULT 0,
    -- The measurement in measurement-codec.ts's form.
    raw BLOB NOT NULL
  );
`;

export const COMPACT_AFTER = `
  DROP TABLE measurements;
  ALTER TABLE measurements_v6 RENAME TO measurements;
  CREATE UNIQUE INDEX measurements_id ON measurements (id);
  CREATE INDEX measurements_started ON measurements (started_ms);
  -- No (probe, time) index: lastSeen's look back reads the region's index (a probe's region is known), and a
  -- probe-only export reads the time index (18 bytes per measurement saved).
  CREATE INDEX measurements_region_started ON measurements (region_ref, started_ms);
  ${targetRollups("rollups_minute")}
  ${targetRollups("rollups_hour")}
`;

/** Converts the version-5 measurements into measurements_v6, oldest first, in pages. */
export function convertMeasurements(db: Database, pageSize = 2000): number {
  const names = new NameTable(db);
  const insert = db.prepare(`INSERT INTO measurements_v6 (${INSERT_COLUMNS})
    VALUES (${INSERT_COLUMNS.split(",").map(() => "?").join(", ")})`);
  const first = db.prepare(`SELECT started_ms, id, json, local_failure FROM measurements
    ORDER BY started_ms, id LIMIT ?`);
  const next = db.prepare(`SELECT started_ms, id, json, local_failure FROM measurements
    WHERE started_ms >= ? AND (started_ms > ? OR id > ?) ORDER BY started_ms, id LIMIT ?`);
  let after: { ms: number; id: string } | null = null;
  let converted = 0;
  for (;;) {
    const page = (after === null ? first.all(pageSize) : next.all(after.ms, after.ms, after.id, pageSize)) as
      { started_ms: number; id: string; json: string; local_failure: number }[];
    for (const r of page) {
      const m = JSON.parse(r.json) as Measurement;
      // The stored text itself is compressed, so it decodes to exactly what was stored.
      const raw = encodeMeasurementJson(r.json, codecContext(m));
      insert.run(...measurementRow(m, names, raw, r.local_failure === 1).values);
    }
    converted += page.length;
    const last = page.at(-1);
    if (!last || page.length < pageSize) return converted;
    after = { ms: last.started_ms, id: last.id };
  }
}
