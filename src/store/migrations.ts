// Forward-only schema migrations for the SQLite store. Each one runs in its own IMMEDIATE transaction
// together with its schema_version row, so a crash leaves the database at a whole version and two
// processes starting at once cannot both apply the same step.
import type { Database } from "better-sqlite3";

export interface Migration {
  version: number;
  name: string;
  sql: string;
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
      CREATE TABLE rollups_minute (
        bucket INTEGER NOT NULL,
        region TEXT NOT NULL,
        network TEXT NOT NULL,
        probe_id TEXT NOT NULL,
        list TEXT NOT NULL,
        url TEXT NOT NULL,
        role TEXT NOT NULL,
        category TEXT NOT NULL,
        total INTEGER NOT NULL,
        ok INTEGER NOT NULL,
        down INTEGER NOT NULL,
        blocked_dns INTEGER NOT NULL,
        blocked_tcp INTEGER NOT NULL,
        blocked_tls INTEGER NOT NULL,
        blocked_http_failure INTEGER NOT NULL,
        blocked_http_diff INTEGER NOT NULL,
        dns_failures INTEGER NOT NULL,
        throughput_sum REAL NOT NULL,
        throughput_count INTEGER NOT NULL,
        tls_handshake_sum REAL NOT NULL,
        tls_handshake_count INTEGER NOT NULL,
        last_ms INTEGER NOT NULL,
        PRIMARY KEY (bucket, region, network, probe_id, list, url)
      ) WITHOUT ROWID;

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
