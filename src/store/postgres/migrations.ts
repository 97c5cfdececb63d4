// Forward-only schema migrations of the PostgreSQL store, with their own version table (independent of
// SQLite's numbering in ../migrations.ts). Each step runs in one transaction with its version row, under
// an advisory lock, so a crash leaves a whole version and two processes starting at once apply it once.
import type pg from "pg";
import { LEAN_MIGRATION_SQL } from "./migration-lean.js";
import { SLIM_MIGRATION_SQL } from "./migration-slim.js";
import { DERIVED_MIGRATION_SQL } from "./migration-derived.js";
import { SERIES_MIGRATION_SQL } from "./migration-series.js";

export interface PgMigration {
  version: number;
  name: string;
  sql: string;
}

/** Text compared byte-wise, like SQLite: the same ORDER BY whatever the database's locale. */
const T = `text COLLATE "C"`;

const SUMS = `total integer NOT NULL, ok integer NOT NULL, down integer NOT NULL,
  blocked_dns integer NOT NULL, blocked_tcp integer NOT NULL, blocked_tls integer NOT NULL,
  blocked_http_failure integer NOT NULL, blocked_http_diff integer NOT NULL, dns_failures integer NOT NULL,
  throughput_sum double precision NOT NULL, throughput_count integer NOT NULL,
  tls_handshake_sum double precision NOT NULL, tls_handshake_count integer NOT NULL, last_ms bigint NOT NULL`;

function targetRollups(table: string): string {
  return `CREATE TABLE ${table} (
    region ${T} NOT NULL, bucket bigint NOT NULL, network ${T} NOT NULL, probe_id ${T} NOT NULL,
    list ${T} NOT NULL, url ${T} NOT NULL, role ${T} NOT NULL, category ${T} NOT NULL, ${SUMS},
    PRIMARY KEY (region, bucket, network, probe_id, list, url, role));`;
}

function networkRollups(table: string): string {
  return `CREATE TABLE ${table} (
    region ${T} NOT NULL, bucket bigint NOT NULL, network ${T} NOT NULL, role ${T} NOT NULL, list ${T} NOT NULL,
    ${SUMS}, PRIMARY KEY (region, bucket, network, role, list));`;
}

/** Advisory lock keys (one namespace per purpose). */
export const LOCK_MIGRATE = 0x6b770001;
export const LOCK_PARTITIONS = 0x6b770002;
/** Held (session-level, tried, never waited for) by the process compacting closed partitions' indexes. */
export const LOCK_COMPACT = 0x6b770003;

export const PG_MIGRATIONS: readonly PgMigration[] = [
  {
    version: 1,
    name: "initial schema: time-partitioned measurements, rollups as SQLite v5, enrollment",
    sql: `
      -- Raw measurements, partitioned by day of started_ms (partitions are created on demand and ahead,
      -- see partitions.ts). The key includes the partition key, as PostgreSQL requires: a redelivered
      -- measurement carries the same id and startedAt, so it is still exactly one row.
      CREATE TABLE measurements (
        started_ms bigint NOT NULL,
        id uuid NOT NULL,
        asn bigint,
        tls_handshake_time double precision,
        bytes_per_second double precision,
        accessible boolean NOT NULL,
        local_failure boolean NOT NULL,
        probe_id ${T} NOT NULL,
        role ${T} NOT NULL,
        region ${T} NOT NULL,
        network ${T} NOT NULL,
        network_kind ${T} NOT NULL,
        url ${T} NOT NULL,
        list ${T} NOT NULL,
        category ${T} NOT NULL,
        started_at ${T} NOT NULL,
        received_at ${T},
        blocking ${T},
        failure ${T},
        dns_failure ${T},
        -- The whole measurement as JSON text; lz4 where the server has it (partitions set a low
        -- toast_tuple_target so rows are compressed inline). Since migration 2 new rows use packed instead.
        raw text NOT NULL,
        PRIMARY KEY (id, started_ms)
      ) PARTITION BY RANGE (started_ms);
      CREATE INDEX measurements_started ON measurements (started_ms, id);
      CREATE INDEX measurements_region_started ON measurements (region, started_ms);
      CREATE INDEX measurements_probe_started ON measurements (probe_id, started_ms);

      ${targetRollups("rollups_minute")}
      ${targetRollups("rollups_hour")}
      ${networkRollups("network_rollups_minute")}
      ${networkRollups("network_rollups_hour")}

      CREATE TABLE last_seen (
        region ${T} NOT NULL, network ${T} NOT NULL, probe_id ${T} NOT NULL, last_ms bigint NOT NULL,
        PRIMARY KEY (region, network, probe_id));

      CREATE TABLE incidents (
        id ${T} PRIMARY KEY, region ${T} NOT NULL, network ${T}, kind ${T} NOT NULL, status ${T} NOT NULL,
        started_ms bigint NOT NULL, ended_ms bigint, json text NOT NULL);
      CREATE INDEX incidents_region_started ON incidents (region, started_ms);
      CREATE INDEX incidents_status ON incidents (status, started_ms);

      CREATE TABLE probes (
        id ${T} PRIMARY KEY, region ${T} NOT NULL, network ${T} NOT NULL, role ${T} NOT NULL,
        last_seen_ms bigint, measurements bigint NOT NULL DEFAULT 0);

      -- Bearer tokens are kept only as sha256 hex.
      CREATE TABLE probe_tokens (
        token_hash ${T} PRIMARY KEY, probe_id ${T} NOT NULL, region ${T} NOT NULL, created_at ${T} NOT NULL,
        revoked_at ${T});
      CREATE INDEX probe_tokens_probe ON probe_tokens (probe_id);

      CREATE TABLE probe_invites (
        code_hash ${T} PRIMARY KEY, region ${T} NOT NULL, network ${T} NOT NULL, created_at ${T} NOT NULL,
        expires_at ${T} NOT NULL, used_at ${T}, probe_id ${T});
      CREATE TABLE enrolled_probes (
        id ${T} PRIMARY KEY, region ${T} NOT NULL, network ${T} NOT NULL, enrolled_at ${T} NOT NULL);
      CREATE TABLE probe_heartbeats (probe_id ${T} PRIMARY KEY, received_at ${T} NOT NULL, json text NOT NULL);

      CREATE TABLE state (key ${T} PRIMARY KEY, value text NOT NULL, updated_ms bigint NOT NULL);
    `,
  },
  {
    version: 2,
    name: "compact raw measurements: packed (measurement-codec.ts) beside the JSON text of older rows",
    // Metadata-only on every partition: old rows keep raw, new rows fill packed and leave raw NULL.
    // Already deflated, packed is stored without PostgreSQL's own compression.
    sql: `
      ALTER TABLE measurements ALTER COLUMN raw DROP NOT NULL;
      ALTER TABLE measurements ADD COLUMN packed bytea;
      ALTER TABLE measurements ALTER COLUMN packed SET STORAGE EXTERNAL;
    `,
  },
  {
    version: 3,
    name: "analysts: users, sessions, incident notes and verification, append-only audit log and notes",
    sql: `
      CREATE TABLE users (
        name ${T} PRIMARY KEY,
        role ${T} NOT NULL CHECK (role IN ('admin', 'analyst', 'viewer')),
        password_hash text NOT NULL,
        read_token_hash ${T} UNIQUE,
        created_at ${T} NOT NULL,
        disabled_at ${T});
      -- Only the sha256 of a session id is kept: a copy of the database opens no session.
      CREATE TABLE sessions (
        id_hash ${T} PRIMARY KEY, user_name ${T} NOT NULL REFERENCES users (name),
        created_at ${T} NOT NULL, expires_at ${T} NOT NULL);
      CREATE INDEX sessions_by_user ON sessions (user_name);
      -- Ids BY DEFAULT so keepwatch migrate can copy SQLite's own (and then moves the sequence past them).
      CREATE TABLE incident_notes (
        id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, incident_id ${T} NOT NULL, author ${T} NOT NULL,
        text text NOT NULL, created_at ${T} NOT NULL);
      CREATE INDEX incident_notes_by_incident ON incident_notes (incident_id, id);
      CREATE TABLE incident_verifications (
        incident_id ${T} PRIMARY KEY, verified_by ${T} NOT NULL, verified_at ${T} NOT NULL);
      CREATE TABLE audit_log (
        seq bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, at ${T} NOT NULL, actor ${T} NOT NULL,
        action ${T} NOT NULL, subject ${T} NOT NULL, detail text);
      CREATE INDEX audit_log_at ON audit_log (at);
      -- Append-only, enforced by the database itself and not only by the code above it (TRUNCATE too).
      CREATE FUNCTION keepwatch_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'restrict_violation'; END $$;
      CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
        FOR EACH ROW EXECUTE FUNCTION keepwatch_append_only();
      CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
        FOR EACH STATEMENT EXECUTE FUNCTION keepwatch_append_only();
      CREATE TRIGGER incident_notes_append_only BEFORE UPDATE OR DELETE ON incident_notes
        FOR EACH ROW EXECUTE FUNCTION keepwatch_append_only();
      CREATE TRIGGER incident_notes_no_truncate BEFORE TRUNCATE ON incident_notes
        FOR EACH STATEMENT EXECUTE FUNCTION keepwatch_append_only();
    `,
  },
  {
    version: 4,
    name: "slim rows: strings of measurements and per-target rollups as ids into names, old rows and rollups kept as they are",
    sql: SLIM_MIGRATION_SQL,
  },
  {
    version: 5,
    name: "lean rollups: per-target minute rows appended under a (bucket, region_ref) index, room for in-place updates",
    sql: LEAN_MIGRATION_SQL,
  },
  {
    version: 6,
    name: "derived minutes: per-target minute stats summed from live measurement rows, rollups_minute only for removed ones",
    sql: DERIVED_MIGRATION_SQL,
  },
  {
    version: 7,
    name: "series: one id per measurement row for its network, probe, role, target, list, category, kind and ASN",
    sql: SERIES_MIGRATION_SQL,
  },
];

/** Applies every migration newer than the database's version. Returns the versions applied. */
export async function applyPgMigrations(pool: pg.Pool, migrations: readonly PgMigration[] = PG_MIGRATIONS): Promise<number[]> {
  const client = await pool.connect();
  const applied: number[] = [];
  try {
    await client.query(`CREATE TABLE IF NOT EXISTS schema_version (
      version integer PRIMARY KEY, name text NOT NULL, applied_at text NOT NULL)`).catch(async (err: unknown) => {
      // Two processes creating it at once: the loser sees a unique violation on the catalog; it exists now.
      if ((err as { code?: string }).code !== "23505") throw err;
    });
    const newest = migrations.reduce((max, m) => Math.max(max, m.version), 0);
    for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
      await client.query("BEGIN");
      try {
        await client.query("SELECT pg_advisory_xact_lock($1)", [LOCK_MIGRATE]);
        const { rows } = await client.query<{ v: number }>("SELECT COALESCE(MAX(version), 0)::int AS v FROM schema_version");
        const current = rows[0]!.v;
        if (current > newest) throw new Error(`database schema version ${current} is newer than this software knows (${newest})`);
        if (current >= m.version) {
          await client.query("COMMIT");
          continue;
        }
        await client.query(m.sql);
        await client.query("INSERT INTO schema_version (version, name, applied_at) VALUES ($1, $2, $3)",
          [m.version, m.name, new Date().toISOString()]);
        await client.query("COMMIT");
        applied.push(m.version);
      } catch (err) {
        await client.query("ROLLBACK").catch(() => undefined);
        throw err;
      }
    }
    if (migrations.length === 0) {
      const { rows } = await client.query<{ v: number }>("SELECT COALESCE(MAX(version), 0)::int AS v FROM schema_version");
      if (rows[0]!.v > newest) throw new Error(`database schema version ${rows[0]!.v} is newer than this software knows (${newest})`);
    }
  } finally {
    client.release();
  }
  return applied;
}

export async function pgSchemaVersion(pool: pg.Pool): Promise<number> {
  const { rows } = await pool.query<{ v: number }>("SELECT COALESCE(MAX(version), 0)::int AS v FROM schema_version");
  return rows[0]!.v;
}
