// The PostgreSQL Store (node-postgres pool), for deployments that outgrow one SQLite file: several API and
// collector processes share it. Same contract as ../sqlite.ts (tests/store/contract.ts runs on both).
// Every error that only means "not now" (connection lost, server shutting down, lock or statement timeout,
// deadlock) reaches callers as StoreUnavailableError; the collector retries those.
import type pg from "pg";
import type { Measurement, MeasurementFacts } from "../../measurement.js";
import type { Incident } from "../../incident.js";
import type {
  CompactionRun, EnrolledProbe, IncidentQuery, InsertResult, MeasurementPruneOptions, MeasurementQuery, NetworkStatsRow, ProbeHeartbeat, ProbeInvite,
  ProbeRecord, ProbeToken, RedeemResult, Store, StoreHealth, TargetStatsQuery, TargetStatsRow,
} from "../store.js";
import type {
  AuditEntry, AuditInput, AuditQuery, IncidentNote, IncidentVerification, SessionRecord, UserChange, UserRecord,
} from "../analyst-records.js";
import { decodeMeasurement } from "./codec.js";
import { READ_COLUMNS, loadRowNames, rowContext, rowFacts, type FactsRow } from "./measurement-row.js";
import { measurementWhere } from "./measurement-query.js";
import { PgNames } from "./names.js";
import { MEASUREMENTS_WITH_SERIES, PgSeries } from "./series.js";
import { PgAnalysts } from "./analysts.js";
import { PgEnrollment } from "./enrollment.js";
import { asStoreError, pgUnavailability } from "./errors.js";
import { batchNames, insertBatch, prepareRows } from "./ingest.js";
import { applyPgMigrations } from "./migrations.js";
import { Partitions, dayOf } from "./partitions.js";
import { PartitionCompactor } from "./compaction.js";
import { createPool, type PgPoolOptions } from "./pool.js";
import { PgStatsReader } from "./stats.js";
import { NO_HORIZON_MS } from "./migration-derived.js";
import { MINUTE_MS, advanceHorizon } from "./target-minutes.js";

export interface PostgresStoreOptions extends PgPoolOptions {
  /** Rows fetched per page by streamMeasurements (bounds its memory). */
  streamPageSize?: number;
  /** Days of partitions created ahead of today at migrate() (default 7). */
  partitionsAhead?: number;
}

/** Rows as read for decoding: the facts and the stored measurement. */
const STORED_COLUMNS = `${READ_COLUMNS}, raw, packed`;
type StoredRow = FactsRow & { raw: string | null; packed: Buffer | null };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Transactions that lost a deadlock or serialization race are retried this often before "locked". */
const CONFLICT_RETRIES = 4;

export class PostgresStore implements Store {
  readonly pool: pg.Pool;
  private readonly partitions: Partitions;
  private readonly stats: PgStatsReader;
  private readonly enrollment: PgEnrollment;
  private readonly analysts: PgAnalysts;
  private readonly names: PgNames;
  private readonly series: PgSeries;
  /** Whether measurements written before PostgreSQL migration 4 (facts as text) may remain (checked at migrate()). */
  private legacyRows = true;
  private readonly streamPageSize: number;
  private readonly partitionsAhead: number;
  private closed = false;

  constructor(url: string, opts: PostgresStoreOptions = {}) {
    this.pool = createPool(url, opts);
    this.partitions = new Partitions(this.pool);
    this.names = new PgNames(this.pool);
    this.series = new PgSeries(this.pool);
    this.stats = new PgStatsReader(this.pool);
    this.enrollment = new PgEnrollment(this.pool);
    this.analysts = new PgAnalysts(this.pool, (op) => this.transaction(op));
    this.streamPageSize = opts.streamPageSize ?? 500;
    this.partitionsAhead = opts.partitionsAhead ?? 7;
  }

  /** Runs op, turning "not now" errors into StoreUnavailableError. */
  private async call<T>(op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (err) {
      throw asStoreError(err);
    }
  }

  /** One transaction on one connection, retried when it lost a deadlock or serialization race. */
  private async transaction<T>(op: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return this.call(async () => {
      for (let attempt = 1; ; attempt++) {
        const client = await this.pool.connect();
        try {
          await client.query("BEGIN");
          const out = await op(client);
          await client.query("COMMIT");
          return out;
        } catch (err) {
          await client.query("ROLLBACK").catch(() => undefined);
          const code = (err as { code?: string }).code;
          if ((code === "40P01" || code === "40001") && attempt < CONFLICT_RETRIES) continue;
          throw err;
        } finally {
          client.release();
        }
      }
    });
  }

  async migrate(): Promise<void> {
    await this.call(async () => {
      await applyPgMigrations(this.pool);
      // Rows only ever leave the old form (retention), never enter it: once none is left, queries skip it.
      const { rows } = await this.pool.query<{ legacy: boolean }>(`SELECT EXISTS (SELECT 1 FROM measurements
        WHERE started_ms <= (SELECT until_ms FROM legacy_measurements) AND region IS NOT NULL) AS legacy`);
      this.legacyRows = rows[0]!.legacy;
      await this.stats.checkLegacy();
      const today = dayOf(Date.now());
      await this.partitions.ensure(Array.from({ length: this.partitionsAhead + 2 }, (_, i) => today - 1 + i));
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }

  /** "up" when a write transaction would start on the primary; "down" otherwise (never throws). */
  async health(): Promise<StoreHealth> {
    try {
      // Reading state proves the schema is there; a server in recovery (a standby) takes no writes.
      const { rows } = await this.pool.query<{ ro: boolean }>(
        "SELECT pg_is_in_recovery() AS ro, (SELECT COUNT(*) FROM (SELECT 1 FROM state LIMIT 1) s) AS n");
      return rows[0]?.ro ? "down" : "up";
    } catch (err) {
      return pgUnavailability(err) === "locked" ? "locked" : "down";
    }
  }

  /** Makes sure the days' partitions exist (bulk import writes rows without insertMeasurements). */
  ensurePartitions(days: Iterable<number>): Promise<void> {
    return this.call(() => this.partitions.ensure(days));
  }

  async insertMeasurements(batch: Measurement[]): Promise<InsertResult> {
    if (batch.length === 0) return { inserted: 0, duplicates: 0 };
    const rows = prepareRows(batch);
    const days = new Set(rows.map((r) => dayOf(r.ms)));
    let inserted: number;
    await this.call(() => this.names.intern(batchNames(rows)));
    await this.call(() => this.series.intern(rows.map((r) => r.f), this.names));
    try {
      await this.call(() => this.partitions.ensure(days));
      inserted = await this.transaction((c) => insertBatch(c, rows, this.names, this.series));
    } catch (err) {
      // 23514 "no partition of relation found for row": another process dropped a day (retention) this one
      // still believed in. Look again and retry once.
      if ((err as { cause?: { code?: string }; code?: string }).code !== "23514") throw err;
      this.partitions.forget();
      await this.call(() => this.partitions.ensure(days));
      inserted = await this.transaction((c) => insertBatch(c, rows, this.names, this.series));
    }
    return { inserted, duplicates: batch.length - inserted };
  }

  async getMeasurement(id: string): Promise<Measurement | null> {
    if (!UUID.test(id)) return null; // not an id this store could hold (and not worth a cast error)
    const { rows } = await this.call(() => this.pool.query<StoredRow>(
      `SELECT ${STORED_COLUMNS} FROM ${MEASUREMENTS_WITH_SERIES} WHERE id = $1 ORDER BY started_ms LIMIT 1`, [id]));
    return rows[0] ? (await this.decode(rows))[0]! : null;
  }

  /** The names of this process's store (bulk import interns through it). */
  get nameTable(): PgNames {
    return this.names;
  }

  /** The series of this process's store (bulk import interns through it). */
  get seriesTable(): PgSeries {
    return this.series;
  }

  private async decode(rows: StoredRow[]): Promise<Measurement[]> {
    await this.call(() => loadRowNames(rows, this.names));
    return rows.map((r) => decodeMeasurement(r.packed, r.raw, rowContext(r, this.names)));
  }

  /** Keyset pages by (started_ms, id); each page is read whole, so no cursor stays open across a yield. */
  async *streamMeasurements(q: MeasurementQuery): AsyncIterable<Measurement> {
    let after: { ms: number; id: string } | null = null;
    for (;;) {
      const values: unknown[] = [];
      const where = await this.call(() => measurementWhere(q, this.names, this.legacyRows, values));
      let keyset = "";
      if (after) {
        values.push(after.ms, after.id);
        keyset = ` AND (started_ms, id) > ($${values.length - 1}::int8, $${values.length}::uuid)`;
      }
      values.push(this.streamPageSize);
      const text = `SELECT ${STORED_COLUMNS} FROM ${MEASUREMENTS_WITH_SERIES} WHERE ${where.sql}${keyset}
        ORDER BY started_ms, id LIMIT $${values.length}`;
      const { rows } = await this.call(() => this.pool.query<StoredRow>(text, values));
      for (const m of await this.decode(rows)) yield m;
      const last = rows[rows.length - 1];
      if (!last || rows.length < this.streamPageSize) return;
      after = { ms: last.started_ms, id: last.id };
    }
  }

  async measurementFacts(q: MeasurementQuery): Promise<MeasurementFacts[]> {
    const where = await this.call(() => measurementWhere(q, this.names, this.legacyRows));
    const { rows } = await this.call(() => this.pool.query<FactsRow>(`SELECT ${READ_COLUMNS} FROM ${MEASUREMENTS_WITH_SERIES}
      WHERE ${where.sql} AND NOT local_failure ORDER BY started_ms, id`, where.values));
    await this.call(() => loadRowNames(rows, this.names));
    return rows.map((r) => rowFacts(r, this.names));
  }

  targetStats(q: TargetStatsQuery): Promise<TargetStatsRow[]> {
    return this.call(() => this.stats.read(q));
  }

  networkStats(q: TargetStatsQuery): Promise<NetworkStatsRow[]> {
    return this.call(() => this.stats.readNetworks(q));
  }

  async lastSeen(q: { before?: Date } = {}): Promise<{ region: string; network: string; probeId: string; lastAt: string }[]> {
    return this.call(async () => {
      const { rows } = await this.pool.query<{ region: string; network: string; probe_id: string; last_ms: number }>(
        "SELECT region, network, probe_id, last_ms FROM last_seen ORDER BY region, network, probe_id");
      const before = q.before?.getTime();
      const out: { region: string; network: string; probeId: string; lastAt: string }[] = [];
      for (const r of rows) {
        let ms: number | null = r.last_ms;
        if (before !== undefined && ms >= before) {
          const where = await measurementWhere({ probeId: r.probe_id, region: r.region, network: r.network },
            this.names, this.legacyRows, [before]);
          const { rows: m } = await this.pool.query<{ ms: number | null }>(`SELECT MAX(started_ms) AS ms FROM measurements
            WHERE ${where.sql} AND started_ms < $1 AND NOT local_failure`, where.values);
          ms = m[0]?.ms ?? null;
        }
        if (ms !== null) out.push({ region: r.region, network: r.network, probeId: r.probe_id, lastAt: new Date(ms).toISOString() });
      }
      return out;
    });
  }

  /** Removed rows' per-target minute sums are kept from opts.targetMinutesSince's minute on (all without it). */
  pruneMeasurements(olderThan: Date, opts: MeasurementPruneOptions = {}): Promise<number> {
    const since = opts.targetMinutesSince;
    const keepMs = since === undefined ? NO_HORIZON_MS : Math.floor(since.getTime() / MINUTE_MS) * MINUTE_MS;
    return this.call(() => this.partitions.prune(olderThan.getTime(), keepMs));
  }

  /** Whole buckets older than the cutoff, from all four rollup tables (and the legacy-keyed ones). */
  pruneRollups(olderThan: Date): Promise<number> {
    return this.pruneRollupTables(olderThan, [["rollups_minute", 60], ["legacy_rollups_minute", 60], ["rollups_hour", 3600],
      ["legacy_rollups_hour", 3600], ["network_rollups_minute", 60], ["network_rollups_hour", 3600]]);
  }

  /** Rebuilds closed day partitions' indexes full (compaction.ts); busy when another process is at it. */
  compactClosed(now: Date): Promise<CompactionRun> {
    return this.call(() => new PartitionCompactor(this.pool, this.partitions).run(now.getTime()));
  }

  pruneTargetMinuteRollups(olderThan: Date): Promise<number> {
    return this.pruneRollupTables(olderThan, [["rollups_minute", 60], ["legacy_rollups_minute", 60]]);
  }

  /**
   * Returns per-target minute rows deleted: stored ones, and the minutes of live rows that the horizon moved
   * past (since migration 6 those are the rows' own minutes, target-minutes.ts).
   */
  private async pruneRollupTables(olderThan: Date, tables: readonly (readonly [string, number])[]): Promise<number> {
    const cutoffS = Math.floor(olderThan.getTime() / 1000);
    let minuteRows = await this.transaction((c) => advanceHorizon(c, Math.floor(cutoffS / 60) * MINUTE_MS));
    for (const [table, width] of tables) {
      const r = await this.call(() => this.pool.query(`DELETE FROM ${table} WHERE bucket <= $1`, [cutoffS - width]));
      if (table === "rollups_minute" || table === "legacy_rollups_minute") minuteRows += r.rowCount ?? 0;
    }
    return minuteRows;
  }

  async saveIncident(i: Incident): Promise<void> {
    await this.call(() => this.pool.query(`INSERT INTO incidents (id, region, network, kind, status, started_ms, ended_ms, json)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
      ON CONFLICT (id) DO UPDATE SET region = excluded.region, network = excluded.network, kind = excluded.kind,
        status = excluded.status, started_ms = excluded.started_ms, ended_ms = excluded.ended_ms, json = excluded.json`,
    [i.id, i.region, i.network, i.kind, i.status, Date.parse(i.startedAt), i.endedAt === null ? null : Date.parse(i.endedAt),
      JSON.stringify(i)]));
  }

  async getIncident(id: string): Promise<Incident | null> {
    const { rows } = await this.call(() => this.pool.query<{ json: string }>("SELECT json FROM incidents WHERE id = $1", [id]));
    return rows[0] ? (JSON.parse(rows[0].json) as Incident) : null;
  }

  /** Newest first. */
  async listIncidents(q: IncidentQuery): Promise<Incident[]> {
    const values: unknown[] = [];
    const parts: string[] = [];
    const add = (sql: string, v: unknown) => {
      values.push(v);
      parts.push(sql.replaceAll("?", `$${values.length}`));
    };
    if (q.region !== undefined) add("region = ?", q.region);
    if (q.network !== undefined) add("network = ?", q.network);
    if (q.kind !== undefined) add("kind = ?", q.kind);
    if (q.status !== undefined) add("status = ?", q.status);
    if (q.since !== undefined) add("(ended_ms IS NULL OR ended_ms >= ?)", q.since.getTime());
    if (q.until !== undefined) add("started_ms < ?", q.until.getTime());
    values.push(q.limit === undefined || q.limit < 0 ? null : q.limit, q.offset ?? 0);
    const { rows } = await this.call(() => this.pool.query<{ json: string }>(`SELECT json FROM incidents
      WHERE ${parts.length ? parts.join(" AND ") : "TRUE"}
      ORDER BY started_ms DESC, id LIMIT $${values.length - 1} OFFSET $${values.length}`, values));
    return rows.map((r) => JSON.parse(r.json) as Incident);
  }

  async upsertProbe(p: Omit<ProbeRecord, "measurements" | "lastSeenAt">): Promise<void> {
    await this.call(() => this.pool.query(`INSERT INTO probes (id, region, network, role) VALUES ($1, $2, $3, $4)
      ON CONFLICT (id) DO UPDATE SET region = excluded.region, network = excluded.network, role = excluded.role`,
    [p.id, p.region, p.network, p.role]));
  }

  async listProbes(): Promise<ProbeRecord[]> {
    const { rows } = await this.call(() => this.pool.query<{ id: string; region: string; network: string;
      role: "region" | "control"; last_seen_ms: number | null; measurements: number }>(
      "SELECT id, region, network, role, last_seen_ms, measurements FROM probes ORDER BY id"));
    return rows.map((r) => ({
      id: r.id, region: r.region, network: r.network, role: r.role,
      lastSeenAt: r.last_seen_ms === null ? null : new Date(r.last_seen_ms).toISOString(),
      measurements: r.measurements,
    }));
  }

  saveProbeToken(token: ProbeToken): Promise<void> {
    return this.call(() => this.enrollment.saveProbeToken(token));
  }

  findProbeToken(tokenHash: string): Promise<ProbeToken | null> {
    return this.call(() => this.enrollment.findProbeToken(tokenHash));
  }

  revokeProbeToken(probeId: string, at: Date): Promise<number> {
    return this.call(() => this.enrollment.revokeProbeToken(probeId, at));
  }

  saveInvite(invite: Omit<ProbeInvite, "usedAt" | "probeId">): Promise<void> {
    return this.call(() => this.enrollment.saveInvite(invite));
  }

  redeemInvite(codeHash: string, at: Date, probeId: string, tokenHash: string): Promise<RedeemResult> {
    return this.call(() => this.enrollment.redeemInvite(codeHash, at, probeId, tokenHash));
  }

  listInvites(): Promise<ProbeInvite[]> {
    return this.call(() => this.enrollment.listInvites());
  }

  revokeInvite(codeHash: string, at: Date): Promise<boolean> {
    return this.call(() => this.enrollment.revokeInvite(codeHash, at));
  }

  getEnrolledProbe(id: string): Promise<EnrolledProbe | null> {
    return this.call(() => this.enrollment.getEnrolledProbe(id));
  }

  saveHeartbeat(heartbeat: ProbeHeartbeat): Promise<void> {
    return this.call(() => this.enrollment.saveHeartbeat(heartbeat));
  }

  listHeartbeats(): Promise<ProbeHeartbeat[]> {
    return this.call(() => this.enrollment.listHeartbeats());
  }

  async getState(key: string): Promise<string | null> {
    const { rows } = await this.call(() => this.pool.query<{ value: string }>("SELECT value FROM state WHERE key = $1", [key]));
    return rows[0] ? rows[0].value : null;
  }

  async setState(key: string, value: string): Promise<void> {
    await this.call(() => this.pool.query(`INSERT INTO state (key, value, updated_ms) VALUES ($1, $2, $3)
      ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_ms = excluded.updated_ms`, [key, value, Date.now()]));
  }

  // Analysts' layer (./analysts.ts): each change and its audit line in one transaction.
  createUser(user: UserRecord, audit: AuditInput): Promise<boolean> { return this.call(() => this.analysts.createUser(user, audit)); }
  getUser(name: string): Promise<UserRecord | null> { return this.call(() => this.analysts.getUser(name)); }
  findUserByReadToken(tokenHash: string): Promise<UserRecord | null> { return this.call(() => this.analysts.findUserByReadToken(tokenHash)); }
  listUsers(): Promise<UserRecord[]> { return this.call(() => this.analysts.listUsers()); }
  updateUser(name: string, change: UserChange, audit: AuditInput): Promise<boolean> { return this.call(() => this.analysts.updateUser(name, change, audit)); }
  createSession(session: SessionRecord, audit: AuditInput): Promise<void> { return this.call(() => this.analysts.createSession(session, audit)); }
  getSession(idHash: string): Promise<SessionRecord | null> { return this.call(() => this.analysts.getSession(idHash)); }
  deleteSession(idHash: string, audit: AuditInput | null): Promise<void> { return this.call(() => this.analysts.deleteSession(idHash, audit)); }
  addIncidentNote(note: Omit<IncidentNote, "id">, audit: AuditInput): Promise<IncidentNote> { return this.call(() => this.analysts.addIncidentNote(note, audit)); }
  listIncidentNotes(incidentId: string): Promise<IncidentNote[]> { return this.call(() => this.analysts.listIncidentNotes(incidentId)); }
  setIncidentVerification(incidentId: string, v: Omit<IncidentVerification, "incidentId"> | null, audit: AuditInput): Promise<void> {
    return this.call(() => this.analysts.setIncidentVerification(incidentId, v, audit));
  }
  getIncidentVerification(incidentId: string): Promise<IncidentVerification | null> { return this.call(() => this.analysts.getIncidentVerification(incidentId)); }
  listIncidentVerifications(ids: string[]): Promise<IncidentVerification[]> { return this.call(() => this.analysts.listIncidentVerifications(ids)); }
  appendAudit(entry: AuditInput): Promise<AuditEntry> { return this.call(() => this.analysts.appendAudit(entry)); }
  listAudit(q: AuditQuery): Promise<AuditEntry[]> { return this.call(() => this.analysts.listAudit(q)); }
}
