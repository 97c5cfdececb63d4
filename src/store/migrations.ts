// Forward-only schema migrations for the SQLite store. Each one runs in its own IMMEDIATE transaction
// together with its schema_version row, so a crash leaves the database at a whole version and two
// processes starting at once cannot both apply the same step.
import type { Database } from "better-sqlite3";
import { COMPACT_AFTER, COMPACT_BEFORE, convertMeasurements } from "./migration-compact.js";
import {
  NETWORK_KEYS, SUMMED, SUMS, TARGET_KEYS, TARGET_PK, rebuildTargetRollups, rollupTable,
} from "./migration-rollup-tables.js";

export interface Migration {
  version: number;
  name: string;
  sql: string;
  /** A step SQL alone cannot do (converting rows in JS), run after `sql` in the same transaction. */
  run?: (db: Database) => void;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "initial schema",
    sql: `
      -- Raw measurements: the flat facts as columns (times as epoch ms so they order correctly whatever the
      -- ISO fraction digits), plus the full JSON.
      CREATE TABLE measurements (
        id TEXT PRIMARY KEY,
        probe_id TEXT NOT NULL,
        role TEXT NOT NULL,
        region TEXT NOT NULL,
        network TEXT NOT NULL,
        asn INTEGER,
        network_kind TEXT NOT NULL,
        url TEXT NOT NULL,
        list TEXT NOT NULL,
        category TEXT NOT NULL,
        started_ms INTEGER NOT NULL,
        started_at TEXT NOT NULL,
        accessible INTEGER NOT NULL,
        blocking TEXT,
        failure TEXT,
        dns_failure TEXT,
        tls_handshake_time REAL,
        bytes_per_second REAL,
        json TEXT NOT NULL
      );
      CREATE INDEX measurements_started ON measurements (started_ms, id);
      CREATE INDEX measurements_region_started ON measurements (region, started_ms);
      CREATE INDEX measurements_probe_started ON measurements (probe_id, started_ms);

      -- Minute rollups per region x network x probe x list x target; kept far longer than raw rows.
      ${rollupTable("rollups_minute", ["bucket", "region", "network", "probe_id", "list", "url", "role", "category"],
        ["bucket", "region", "network", "probe_id", "list", "url"])}

      -- Newest measurement per region x network x probe, kept in step with inserts ("dark" detection).
      CREATE TABLE last_seen (
        region TEXT NOT NULL,
        network TEXT NOT NULL,
        probe_id TEXT NOT NULL,
        last_ms INTEGER NOT NULL,
        PRIMARY KEY (region, network, probe_id)
      ) WITHOUT ROWID;

      CREATE TABLE incidents (
        id TEXT PRIMARY KEY,
        region TEXT NOT NULL,
        network TEXT,
        kind TEXT NOT NULL,
        status TEXT NOT NULL,
        started_ms INTEGER NOT NULL,
        ended_ms INTEGER,
        json TEXT NOT NULL
      );
      CREATE INDEX incidents_region_started ON incidents (region, started_ms);
      CREATE INDEX incidents_status ON incidents (status, started_ms);

      CREATE TABLE probes (
        id TEXT PRIMARY KEY,
        region TEXT NOT NULL,
        network TEXT NOT NULL,
        role TEXT NOT NULL,
        last_seen_ms INTEGER,
        measurements INTEGER NOT NULL DEFAULT 0
      );

      -- Bearer tokens are kept only as sha256 hex.
      CREATE TABLE probe_tokens (
        token_hash TEXT PRIMARY KEY,
        probe_id TEXT NOT NULL,
        region TEXT NOT NULL,
        created_at TEXT NOT NULL,
        revoked_at TEXT
      );
      CREATE INDEX probe_tokens_probe ON probe_tokens (probe_id);

      CREATE TABLE state (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL,
        updated_ms INTEGER NOT NULL
      );
    `,
  },
  {
    version: 2,
    name: "region-first rollups; hour rollups; per-network rollups",
    sql: `
      -- Rollups keyed region first, so one region's range reads only that region's rows; queries over every
      -- region seek once per region (the regions in last_seen). Rewritten in key order, then swapped in.
      ${rollupTable("rollups_minute_v2", TARGET_KEYS, TARGET_PK)}
      INSERT INTO rollups_minute_v2 (${TARGET_KEYS.join(", ")}, ${SUMS})
        SELECT ${TARGET_KEYS.join(", ")}, ${SUMS}
        FROM rollups_minute ORDER BY region, bucket, network, probe_id, list, url;
      DROP TABLE rollups_minute;
      ALTER TABLE rollups_minute_v2 RENAME TO rollups_minute;

      -- Hour rollups (bucket = start of the hour, epoch seconds), same key: 7-day timelines read 1/12 of
      -- the rows of the minute table at a 5-minute schedule. Backfilled from the minute rollups.
      ${rollupTable("rollups_hour", TARGET_KEYS, TARGET_PK)}
      INSERT INTO rollups_hour (${TARGET_KEYS.join(", ")}, ${SUMS})
        SELECT region, bucket - bucket % 3600, network, probe_id, list, url, MIN(role), MIN(category), ${SUMMED}
        FROM rollups_minute GROUP BY region, bucket - bucket % 3600, network, probe_id, list, url;

      -- The same sums over every probe and target of a region x network x role x list: what the region grid
      -- and the timelines show, at a few hundred rows per region-week instead of tens of thousands.
      ${rollupTable("network_rollups_minute", NETWORK_KEYS, NETWORK_KEYS)}
      INSERT INTO network_rollups_minute (${NETWORK_KEYS.join(", ")}, ${SUMS})
        SELECT ${NETWORK_KEYS.join(", ")}, ${SUMMED}
        FROM rollups_minute GROUP BY region, bucket, network, role, list;
      ${rollupTable("network_rollups_hour", NETWORK_KEYS, NETWORK_KEYS)}
      INSERT INTO network_rollups_hour (${NETWORK_KEYS.join(", ")}, ${SUMS})
        SELECT region, bucket - bucket % 3600, network, role, list, ${SUMMED}
        FROM network_rollups_minute GROUP BY region, bucket - bucket % 3600, network, role, list;
    `,
  },
  {
    version: 3,
    name: "roles kept apart in per-target rollups (rebuilt from raw); measurements.received_at",
    sql: `
      -- The server's receive time of each measurement (ISO 8601 UTC; NULL for rows stored before this).
      ALTER TABLE measurements ADD COLUMN received_at TEXT;
      ${rebuildTargetRollups("rollups_minute", 60)}
      ${rebuildTargetRollups("rollups_hour", 3600)}
    `,
  },
  {
    version: 4,
    name: "enrollment: invites (hashed one-time codes), enrolled probes, heartbeats",
    sql: `
      CREATE TABLE probe_invites (
        code_hash TEXT PRIMARY KEY,
        region TEXT NOT NULL,
        network TEXT NOT NULL,
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        used_at TEXT,
        probe_id TEXT
      );
      CREATE TABLE enrolled_probes (
        id TEXT PRIMARY KEY,
        region TEXT NOT NULL,
        network TEXT NOT NULL,
        enrolled_at TEXT NOT NULL
      );
      CREATE TABLE probe_heartbeats (
        probe_id TEXT PRIMARY KEY,
        received_at TEXT NOT NULL,
        json TEXT NOT NULL
      );
    `,
  },
  {
    version: 5,
    name: "measurements taken during the agent's own local outage",
    sql: `
      -- 1 when the agent's gateway or local resolver check failed in that round: kept raw, never rolled up
      -- or counted as last seen (the volunteer's outage is not the network's).
      ALTER TABLE measurements ADD COLUMN local_failure INTEGER NOT NULL DEFAULT 0;
    `,
  },
  {
    version: 6,
    name: "compact storage: measurements compressed with small fact columns, names dictionary, per-target rollups by name id",
    sql: COMPACT_BEFORE,
    run: (db) => {
      convertMeasurements(db);
      db.exec(COMPACT_AFTER);
    },
  },
  {
    version: 7,
    name: "analysts: users, sessions, incident notes and verification, append-only audit log",
    sql: `
      CREATE TABLE users (
        name TEXT PRIMARY KEY,
        role TEXT NOT NULL CHECK (role IN ('admin', 'analyst', 'viewer')),
        password_hash TEXT NOT NULL,
        read_token_hash TEXT UNIQUE,
        created_at TEXT NOT NULL,
        disabled_at TEXT
      );
      -- Only the sha256 of a session id is kept: a copy of the database opens no session.
      CREATE TABLE sessions (
        id_hash TEXT PRIMARY KEY,
        user_name TEXT NOT NULL REFERENCES users (name),
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL
      );
      CREATE INDEX sessions_by_user ON sessions (user_name);
      CREATE TABLE incident_notes (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        incident_id TEXT NOT NULL,
        author TEXT NOT NULL,
        text TEXT NOT NULL,
        created_at TEXT NOT NULL
      );
      CREATE INDEX incident_notes_by_incident ON incident_notes (incident_id, id);
      CREATE TABLE incident_verifications (
        incident_id TEXT PRIMARY KEY,
        verified_by TEXT NOT NULL,
        verified_at TEXT NOT NULL
      );
      CREATE TABLE audit_log (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        subject TEXT NOT NULL,
        detail TEXT
      );
      -- Append-only, enforced by the database itself and not only by the code above it.
      CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
      CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
    `,
  },
];

/** Applies every migration newer than the database's version. Returns the versions applied. */
export function applyMigrations(db: Database, migrations: readonly Migration[] = MIGRATIONS): number[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_version (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`);
  const current = () =>
    (db.prepare("SELECT COALESCE(MAX(version), 0) AS v FROM schema_version").get() as { v: number }).v;
  const newest = migrations.reduce((max, m) => Math.max(max, m.version), 0);
  if (current() > newest) {
    throw new Error(`database schema version ${current()} is newer than this software knows (${newest})`);
  }
  const applied: number[] = [];
  const insertVersion = db.prepare("INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)");
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    const step = db.transaction(() => {
      // Re-read inside the write lock: another process may have applied it meanwhile.
      if (current() >= m.version) return false;
      db.exec(m.sql);
      m.run?.(db);
      insertVersion.run(m.version, m.name, new Date().toISOString());
      return true;
    });
    if (step.immediate()) applied.push(m.version);
  }
  return applied;
}

export function schemaVersion(db: Database): number {
  const row = db.prepare("SELECT COALESCE(MAX(version), 0) AS v FROM schema_version").get() as { v: number };
  return row.v;
}
