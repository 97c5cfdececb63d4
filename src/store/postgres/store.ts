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
import { PgNames } from "./names.js";
import { PgSeries } from "./series.js";
import { PgAnalysts } from "./analysts.js";
import { PgEnrollment } from "./enrollment.js";
import { PgIncidents } from "./incidents.js";
import { PgMeasurementReads } from "./measurement-reads.js";
import { PgProbes, type LastSeenRow } from "./probes.js";
import { PgRetention } from "./retention.js";
import { PgState } from "./state.js";
import { asStoreError, pgUnavailability } from "./errors.js";
import { batchNames, insertBatch, prepareRows } from "./ingest.js";
import { applyPgMigrations } from "./migrations.js";
import { Partitions, dayOf } from "./partitions.js";
import { createPool, type PgPoolOptions } from "./pool.js";
import { PgStatsReader } from "./stats.js";

export interface PostgresStoreOptions extends PgPoolOptions {
  /** Rows fetched per page by streamMeasurements (bounds its memory). */
  streamPageSize?: number;
  /** Days of partitions created ahead of today at migrate() (default 7). */
  partitionsAhead?: number;
}

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
  private readonly reads: PgMeasurementReads;
  private readonly probes: PgProbes;
  private readonly incidents: PgIncidents;
  private readonly state: PgState;
  private readonly retention: PgRetention;
  /** Whether measurements written before PostgreSQL migration 4 (facts as text) may remain (checked at migrate()). */
  private legacyRows = true;
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
    this.reads = new PgMeasurementReads(this.pool, this.names, (op) => this.call(op), () => this.legacyRows,
      opts.streamPageSize ?? 500);
    this.probes = new PgProbes(this.pool, this.names, () => this.legacyRows);
    this.incidents = new PgIncidents(this.pool);
    this.state = new PgState(this.pool);
    this.retention = new PgRetention(this.pool, this.partitions, (op) => this.call(op), (op) => this.transaction(op));
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
    const seriesRefs = await this.call(() => this.series.intern(rows.map((r) => r.f), this.names));
    try {
      await this.call(() => this.partitions.ensure(days));
      inserted = await this.transaction((c) => insertBatch(c, rows, this.names, seriesRefs));
    } catch (err) {
      // 23514 "no partition of relation found for row": another process dropped a day (retention) this one
      // still believed in. Look again and retry once.
      if ((err as { cause?: { code?: string }; code?: string }).code !== "23514") throw err;
      this.partitions.forget();
      await this.call(() => this.partitions.ensure(days));
      inserted = await this.transaction((c) => insertBatch(c, rows, this.names, seriesRefs));
    }
    return { inserted, duplicates: batch.length - inserted };
  }

  getMeasurement(id: string): Promise<Measurement | null> {
    return this.reads.getMeasurement(id);
  }

  /** The names of this process's store (bulk import interns through it). */
  get nameTable(): PgNames {
    return this.names;
  }

  /** The series of this process's store (bulk import interns through it). */
  get seriesTable(): PgSeries {
    return this.series;
  }

  streamMeasurements(q: MeasurementQuery): AsyncIterable<Measurement> {
    return this.reads.streamMeasurements(q);
  }

  measurementFacts(q: MeasurementQuery): Promise<MeasurementFacts[]> {
    return this.reads.measurementFacts(q);
  }

  targetStats(q: TargetStatsQuery): Promise<TargetStatsRow[]> {
    return this.call(() => this.stats.read(q));
  }

  networkStats(q: TargetStatsQuery): Promise<NetworkStatsRow[]> {
    return this.call(() => this.stats.readNetworks(q));
  }

  lastSeen(q: { before?: Date } = {}): Promise<LastSeenRow[]> {
    return this.call(() => this.probes.lastSeen(q));
  }

  // Retention (./retention.ts).
  pruneMeasurements(olderThan: Date, opts: MeasurementPruneOptions = {}): Promise<number> { return this.retention.pruneMeasurements(olderThan, opts); }
  pruneRollups(olderThan: Date): Promise<number> { return this.retention.pruneRollups(olderThan); }
  compactClosed(now: Date): Promise<CompactionRun> { return this.retention.compactClosed(now); }
  pruneTargetMinuteRollups(olderThan: Date): Promise<number> { return this.retention.pruneTargetMinuteRollups(olderThan); }

  // Incidents (./incidents.ts) and probes (./probes.ts).
  saveIncident(i: Incident): Promise<void> { return this.call(() => this.incidents.saveIncident(i)); }
  getIncident(id: string): Promise<Incident | null> { return this.call(() => this.incidents.getIncident(id)); }
  listIncidents(q: IncidentQuery): Promise<Incident[]> { return this.call(() => this.incidents.listIncidents(q)); }
  upsertProbe(p: Omit<ProbeRecord, "measurements" | "lastSeenAt">): Promise<void> { return this.call(() => this.probes.upsertProbe(p)); }
  listProbes(): Promise<ProbeRecord[]> { return this.call(() => this.probes.listProbes()); }

  // Enrollment (./enrollment.ts): token and invite hashes only, enrolled probes, heartbeats.
  saveProbeToken(token: ProbeToken): Promise<void> { return this.call(() => this.enrollment.saveProbeToken(token)); }
  findProbeToken(tokenHash: string): Promise<ProbeToken | null> { return this.call(() => this.enrollment.findProbeToken(tokenHash)); }
  revokeProbeToken(probeId: string, at: Date): Promise<number> { return this.call(() => this.enrollment.revokeProbeToken(probeId, at)); }
  saveInvite(invite: Omit<ProbeInvite, "usedAt" | "probeId">): Promise<void> { return this.call(() => this.enrollment.saveInvite(invite)); }
  redeemInvite(codeHash: string, at: Date, probeId: string, tokenHash: string): Promise<RedeemResult> {
    return this.call(() => this.enrollment.redeemInvite(codeHash, at, probeId, tokenHash));
  }
  listInvites(): Promise<ProbeInvite[]> { return this.call(() => this.enrollment.listInvites()); }
  revokeInvite(codeHash: string, at: Date): Promise<boolean> { return this.call(() => this.enrollment.revokeInvite(codeHash, at)); }
  getEnrolledProbe(id: string): Promise<EnrolledProbe | null> { return this.call(() => this.enrollment.getEnrolledProbe(id)); }
  saveHeartbeat(heartbeat: ProbeHeartbeat): Promise<void> { return this.call(() => this.enrollment.saveHeartbeat(heartbeat)); }
  listHeartbeats(): Promise<ProbeHeartbeat[]> { return this.call(() => this.enrollment.listHeartbeats()); }

  // State (./state.ts).
  getState(key: string): Promise<string | null> { return this.call(() => this.state.getState(key)); }
  setState(key: string, value: string): Promise<void> { return this.call(() => this.state.setState(key, value)); }

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
