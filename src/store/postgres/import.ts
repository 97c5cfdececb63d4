// Bulk import into the PostgreSQL store for `keepwatch migrate`: table rows copied as they are (rollups,
// last_seen, probes, tokens, invites, …) and raw measurements inserted without touching the rollups (the
// source's rollups are copied themselves: they reach back further than its raw rows; per-target minute rows
// are staged and put in minus the imported live rows, finishTargetMinutes). Every write is
// idempotent (upsert, insert-or-skip by key, or for the appended per-target minute rows: a key's rows replaced),
// and measurement pages commit together with a checkpoint,
// so a killed run continues where it stopped.
import type { Measurement } from "../../measurement.js";
import { SUM_COLUMNS } from "../rollup-deltas.js";
import { asStoreError } from "./errors.js";
import { batchNames, insertRawRows, prepareRows } from "./ingest.js";
import { dayOf } from "./partitions.js";
import type { PostgresStore } from "./store.js";
import { KEY_JOIN, insertStoredMinusLive, liveKeyMinutes, storedKeyMinutes } from "./migration-derived.js";
import { HORIZON_MS, MINUTE_KEY, MINUTE_MS } from "./target-minutes.js";

/** Where the source's per-target minute rows wait for its measurements. */
const STAGED_MINUTES = "migrate_rollups_minute";

/** Tables copied row for row, with their key (upserts overwrite, so a re-run converges on the source). */
export const COPIED_TABLES = {
  rollups_minute: ["region", "bucket", "network", "probe_id", "list", "url", "role"],
  rollups_hour: ["region", "bucket", "network", "probe_id", "list", "url", "role"],
  network_rollups_minute: ["region", "bucket", "network", "role", "list"],
  network_rollups_hour: ["region", "bucket", "network", "role", "list"],
  last_seen: ["region", "network", "probe_id"],
  probes: ["id"],
  incidents: ["id"],
  probe_tokens: ["token_hash"],
  probe_invites: ["code_hash"],
  enrolled_probes: ["id"],
  probe_heartbeats: ["probe_id"],
  state: ["key"],
  // Analysts' layer; users before sessions (foreign key).
  users: ["name"],
  sessions: ["id_hash"],
  incident_verifications: ["incident_id"],
  incident_notes: ["id"],
  audit_log: ["seq"],
} as const;
export type CopiedTable = keyof typeof COPIED_TABLES;

/**
 * Per-target rollups are keyed by name ids in PostgreSQL (migration 4): the source's name columns are
 * interned and written as these *_ref columns.
 */
const NAMED_COLUMNS: Record<string, string> = { region: "region_ref", network: "network_ref", probe_id: "probe_ref",
  list: "list_ref", url: "url_ref", role: "role_ref", category: "category_ref" };
const BY_NAME_ID = new Set<CopiedTable>(["rollups_minute", "rollups_hour"]);
const SUMS = new Set<string>(SUM_COLUMNS);

/** Append-only tables (the database refuses UPDATE): a re-run skips rows already there, and their identity
 * sequence is moved past the copied ids so the next note or audit line gets a new one. */
const APPEND_ONLY: Partial<Record<CopiedTable, string>> = { incident_notes: "id", audit_log: "seq" };

export class PgImporter {
  private columnTypes = new Map<string, Map<string, string>>();

  constructor(private readonly store: PostgresStore) {}

  private get pool() {
    return this.store.pool;
  }

  async prepare(): Promise<void> {
    await this.pool.query(`CREATE TABLE IF NOT EXISTS migrate_progress (
      source text PRIMARY KEY, measurements_since_ms bigint NOT NULL, measurements_done boolean NOT NULL DEFAULT false)`);
    // The source's per-target minute rows wait here until its measurements are in (finishTargetMinutes).
    await this.pool.query(`CREATE TABLE IF NOT EXISTS ${STAGED_MINUTES} (LIKE rollups_minute)`);
  }

  /**
   * After the measurements: the staged per-target minute rows go into rollups_minute minus the sums of the
   * imported live rows of their key-minute (the source prunes raw rows by time, so a minute can be split),
   * key-minutes left with nothing skipped: since PostgreSQL migration 6 live rows are their own minute stats,
   * so each measurement counts once. sourceHorizonMs: where the source's own minute rows start when it pruned
   * them before its raw rows (older live rows are no minute stats there either). Re-runnable: a key-minute's
   * rows are replaced, and the staged rows are dropped only with the transaction that wrote them.
   */
  async finishTargetMinutes(sourceHorizonMs: number | null): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query("BEGIN");
      const { rows } = await client.query<{ lo: string | null; hi: string | null }>(
        `SELECT MIN(bucket) * 1000 AS lo, MAX(bucket) * 1000 + ${MINUTE_MS} AS hi FROM ${STAGED_MINUTES}`);
      if (rows[0]!.lo !== null) {
        await client.query(`CREATE TEMP TABLE kw_staged ON COMMIT DROP AS ${storedKeyMinutes(STAGED_MINUTES)}`);
        await client.query(`CREATE TEMP TABLE kw_live ON COMMIT DROP AS ${liveKeyMinutes(`started_ms >= ${Number(rows[0]!.lo)}
          AND started_ms < ${Number(rows[0]!.hi)}`)}`);
        await client.query("ANALYZE kw_staged; ANALYZE kw_live");
        await client.query(`DELETE FROM rollups_minute l USING kw_staged s WHERE ${KEY_JOIN}`);
        await client.query(insertStoredMinusLive("kw_staged", "kw_live"));
      }
      if (sourceHorizonMs !== null) {
        await client.query("UPDATE target_minute_horizon SET since_ms = GREATEST(since_ms, $1::int8)", [sourceHorizonMs]);
      }
      await client.query(`DROP TABLE ${STAGED_MINUTES}`);
      await client.query("COMMIT");
    } catch (err) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw asStoreError(err);
    } finally {
      client.release();
    }
  }

  /** Where a previous run for this source stopped (null: never started). */
  async progress(source: string): Promise<{ sinceMs: number; done: boolean } | null> {
    const { rows } = await this.pool.query<{ measurements_since_ms: number; measurements_done: boolean }>(
      "SELECT measurements_since_ms, measurements_done FROM migrate_progress WHERE source = $1", [source]);
    return rows[0] ? { sinceMs: rows[0].measurements_since_ms, done: rows[0].measurements_done } : null;
  }

  /** Rows of a table (per-target rollups: with the legacy_ table of rows from before PostgreSQL migration 4). */
  async count(table: CopiedTable | "measurements"): Promise<number> {
    let from = BY_NAME_ID.has(table as CopiedTable) ? `(SELECT 1 FROM ${table} UNION ALL SELECT 1 FROM legacy_${table}) t` : table;
    // Per-target minutes since migration 6: the key-minutes of stored rows and of live measurement rows alike.
    if (table === "rollups_minute") {
      from = `(SELECT ${MINUTE_KEY.join(", ")} FROM rollups_minute UNION SELECT ${MINUTE_KEY.join(", ")}
        FROM (${liveKeyMinutes(`started_ms >= ${HORIZON_MS}`)}) l UNION ALL SELECT 0, 0, 0, 0, 0, 0, 0 FROM legacy_rollups_minute) t`;
    }
    const { rows } = await this.pool.query<{ n: number }>(`SELECT COUNT(*)::int8 AS n FROM ${from}`);
    return rows[0]!.n;
  }

  /** Source rows of a per-target rollup table with their names replaced by ids. */
  private async byNameId(rows: Record<string, unknown>[]): Promise<Record<string, unknown>[]> {
    const names = this.store.nameTable;
    await names.intern(rows.flatMap((r) => Object.keys(NAMED_COLUMNS).map((c) => String(r[c]))));
    // A zero sum is stored as NULL there, as the store's own ingest does.
    return rows.map((r) => Object.fromEntries(Object.entries(r).map(([c, v]) =>
      NAMED_COLUMNS[c] ? [NAMED_COLUMNS[c], names.idOf(String(v))] : [c, SUMS.has(c) && v === 0 ? null : v])));
  }

  private async types(table: string): Promise<Map<string, string>> {
    let t = this.columnTypes.get(table);
    if (!t) {
      const { rows } = await this.pool.query<{ column_name: string; udt_name: string }>(
        "SELECT column_name, udt_name FROM information_schema.columns WHERE table_name = $1 AND table_schema = current_schema()", [table]);
      t = new Map(rows.map((r) => [r.column_name, r.udt_name]));
      this.columnTypes.set(table, t);
    }
    return t;
  }

  /** Upserts source rows (objects keyed by column name) into one table; returns rows written. */
  async upsertRows(table: CopiedTable, source: Record<string, unknown>[]): Promise<number> {
    if (source.length === 0) return 0;
    const byId = BY_NAME_ID.has(table);
    const rows = byId ? await this.byNameId(source).catch((err: unknown) => { throw asStoreError(err); }) : source;
    const types = await this.types(table);
    const cols = Object.keys(rows[0]!).filter((c) => types.has(c));
    const key: readonly string[] = byId ? COPIED_TABLES[table].map((c) => NAMED_COLUMNS[c] ?? c) : COPIED_TABLES[table];
    const rest = cols.filter((c) => !key.includes(c));
    const values = cols.map((c) => rows.map((r) => {
      const v = r[c];
      // SQLite keeps booleans as 0/1.
      return types.get(c) === "bool" && typeof v === "number" ? v !== 0 : v;
    }));
    const source_ = `SELECT * FROM unnest(${cols.map((c, i) => `$${i + 1}::${types.get(c)}[]`).join(", ")})`;
    const text = table === "rollups_minute"
      // Staged (finishTargetMinutes), no unique key: a key's rows are replaced by the source's, in one statement.
      ? `WITH src AS (${source_} AS s (${cols.join(", ")})),
          gone AS (DELETE FROM ${STAGED_MINUTES} t USING src WHERE ${key.map((c) => `t.${c} = src.${c}`).join(" AND ")})
        INSERT INTO ${STAGED_MINUTES} (${cols.join(", ")}) SELECT * FROM src`
      : `INSERT INTO ${table} (${cols.join(", ")}) ${source_}
      ON CONFLICT (${key.join(", ")}) DO ${rest.length && !APPEND_ONLY[table] ? `UPDATE SET ${rest.map((c) => `${c} = excluded.${c}`).join(", ")}` : "NOTHING"}`;
    try {
      const r = await this.pool.query(text, values);
      const identity = APPEND_ONLY[table];
      if (identity) {
        await this.pool.query(`SELECT setval(pg_get_serial_sequence('${table}', '${identity}'),
          (SELECT COALESCE(MAX(${identity}), 0) + 1 FROM ${table}), false)`);
      }
      return r.rowCount ?? 0;
    } catch (err) {
      throw asStoreError(err);
    }
  }

  /**
   * Inserts raw measurements (rollups untouched) and records, in the same transaction, that every source
   * row before `nextSinceMs` is copied. Returns rows that were new.
   */
  async insertMeasurementPage(source: string, batch: Measurement[], nextSinceMs: number, done: boolean): Promise<number> {
    const rows = prepareRows(batch);
    await this.store.ensurePartitions(rows.map((r) => dayOf(r.ms)));
    await this.store.nameTable.intern(batchNames(rows)).catch((err: unknown) => { throw asStoreError(err); });
    const seriesRefs = await this.store.seriesTable.intern(rows.map((r) => r.f), this.store.nameTable)
      .catch((err: unknown) => { throw asStoreError(err); });
    const client = await this.pool.connect();
    try {
      await client.query("BEGIN");
      const stored = await insertRawRows(client, rows, this.store.nameTable, seriesRefs);
      await client.query(`INSERT INTO migrate_progress (source, measurements_since_ms, measurements_done) VALUES ($1, $2, $3)
        ON CONFLICT (source) DO UPDATE SET measurements_since_ms = excluded.measurements_since_ms,
          measurements_done = excluded.measurements_done`, [source, nextSinceMs, done]);
      await client.query("COMMIT");
      return stored.size;
    } catch (err) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw asStoreError(err);
    } finally {
      client.release();
    }
  }
}
