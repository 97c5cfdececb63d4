// The embedded Store: one SQLite file via better-sqlite3 (WAL, synchronous=NORMAL). This file keeps the
// connection, migration, health and the lock-aware runner; each group of tables has its SQL in a sqlite-*.ts
// module beside it (built on first use, after migrate() created the tables) and the class delegates there.
import BetterSqlite3 from "better-sqlite3";
import type { Database } from "better-sqlite3";
import type { Measurement, MeasurementFacts } from "../measurement.js";
import type { Incident } from "../incident.js";
import { storeUnavailability } from "./errors.js";
import { applyMigrations } from "./migrations.js";
import { encodeMeasurement } from "./measurement-codec.js";
import { retryWhileLocked } from "./sqlite-busy.js";
import { StatementCache } from "./sqlite-statements.js";
import { NameTable } from "./sqlite-names.js";
import { prepareInsertBatch, type InsertBatch } from "./sqlite-measurement-writes.js";
import { MeasurementReads } from "./sqlite-measurement-reads.js";
import { TargetStatsReader } from "./sqlite-target-stats.js";
import { Retention } from "./sqlite-retention.js";
import { IncidentTables } from "./sqlite-incidents.js";
import { ProbeTables, type LastSeenRow } from "./sqlite-probes.js";
import { EnrollmentTables } from "./sqlite-enrollment.js";
import { StateTable } from "./sqlite-state.js";
import { AnalystTables } from "./sqlite-analysts.js";
import type {
  AuditEntry, AuditInput, AuditQuery, IncidentNote, IncidentVerification, SessionRecord, UserChange, UserRecord,
} from "./analyst-records.js";
import type {
  EnrolledProbe, ProbeHeartbeat, ProbeInvite, RedeemResult,
  IncidentQuery, InsertResult, MeasurementQuery, NetworkStatsRow, ProbeRecord, ProbeToken, Store, StoreHealth,
  TargetStatsQuery, TargetStatsRow,
} from "./store.js";

export interface SqliteStoreOptions {
  /** Rows fetched per page by streamMeasurements (bounds its memory). */
  streamPageSize?: number;
  /** Rows deleted per retention chunk, so pruning never holds the write lock for long. */
  pruneChunkSize?: number;
  /**
   * SQLite's own busy_timeout: a synchronous sleep that blocks the whole event loop. Default 0; waiting for
   * a lock is done asynchronously instead (busyWaitMs).
   */
  busyTimeoutMs?: number;
  /**
   * How long one call waits, asynchronously, for another connection's lock before it fails with
   * StoreUnavailableError("locked") (the collector then retries the job later, the API answers 503).
   */
  busyWaitMs?: number;
  /**
   * Page size for a new database file (ignored for an existing one). 8 KiB holds three ~2 KiB measurement
   * rows per page where 4 KiB holds one (measured: 2.9 vs 3.9 KB per row); larger pages would save a bit
   * more but write more WAL per randomly placed id-index entry once the table is big.
   */
  pageSize?: number;
  /**
   * Page cache per connection, KiB. The measurements' id index takes random inserts; once it outgrows the
   * cache every insert reads a page back from the OS, so the default is larger than SQLite's 2 MiB.
   */
  cacheKiB?: number;
}

export class SqliteStore implements Store {
  private readonly db: Database;
  private readonly streamPageSize: number;
  private readonly pruneChunkSize: number;
  private readonly busyWaitMs: number;
  private readonly stmts: StatementCache;
  private insertBatch: InsertBatch | null = null;
  private statsReader: TargetStatsReader | null = null;
  private nameTable: NameTable | null = null;

  constructor(path: string, opts: SqliteStoreOptions = {}) {
    // better-sqlite3 opens with a 5 s busy_timeout unless told otherwise; the pragmas below must not wait either.
    this.db = new BetterSqlite3(path, { timeout: opts.busyTimeoutMs ?? 0 });
    // Only takes effect before the first table exists (new files).
    this.db.pragma(`page_size = ${opts.pageSize ?? 8192}`);
    this.db.pragma("journal_mode = WAL");
    // NORMAL in WAL mode: a power loss may drop the last commits but never corrupts the file.
    this.db.pragma("synchronous = NORMAL");
    this.db.pragma(`cache_size = -${opts.cacheKiB ?? 65536}`);
    // GROUP BY / ORDER BY scratch b-trees of the rollup reads stay in memory.
    this.db.pragma("temp_store = MEMORY");
    this.stmts = new StatementCache(this.db);
    this.streamPageSize = opts.streamPageSize ?? 500;
    this.pruneChunkSize = opts.pruneChunkSize ?? 5000;
    this.busyWaitMs = opts.busyWaitMs ?? 5000;
  }

  /** One synchronous statement or transaction, retried without blocking while another connection holds a lock. */
  private run<T>(op: () => T, waitMs = this.busyWaitMs): Promise<T> {
    return retryWhileLocked(op, waitMs);
  }

  async migrate(): Promise<void> {
    // A start that meets a backup's lock waits longer than a request would.
    await this.run(() => applyMigrations(this.db), Math.max(this.busyWaitMs, 60_000));
  }

  /**
   * Whether the store can take writes now: "locked" when another connection holds the write lock, "down"
   * when it cannot be read at all. Takes and releases the write lock without writing.
   */
  async health(): Promise<StoreHealth> {
    try {
      this.stmts.get("SELECT 1 FROM state LIMIT 1").get();
      this.db.exec("BEGIN IMMEDIATE");
      this.db.exec("ROLLBACK");
      return "up";
    } catch (err) {
      return storeUnavailability(err) === "locked" ? "locked" : "down";
    }
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  /** Built on first use, after migrate() created the table. */
  private get names(): NameTable {
    return (this.nameTable ??= new NameTable(this.db));
  }

  async insertMeasurements(batch: Measurement[]): Promise<InsertResult> {
    if (batch.length === 0) return { inserted: 0, duplicates: 0 };
    this.insertBatch ??= prepareInsertBatch(this.db, this.names);
    // IMMEDIATE: take the write lock up front so a second collector process waits (retryWhileLocked) instead
    // of failing to upgrade a read transaction.
    const insertBatch = this.insertBatch;
    const names = this.names;
    // Compressed before taking the write lock (and once, however often a locked store makes us retry).
    const raw = batch.map(encodeMeasurement);
    const inserted = await this.run(() => {
      try {
        const n = insertBatch.immediate(batch, raw);
        names.commit();
        return n;
      } catch (err) {
        // Names added in a transaction that rolled back do not exist: forget their ids.
        names.rollback();
        throw err;
      }
    });
    return { inserted, duplicates: batch.length - inserted };
  }

  private measurementReads: MeasurementReads | null = null;
  /** Built on first use, after migrate() created the tables. */
  private get reads(): MeasurementReads {
    return (this.measurementReads ??= new MeasurementReads(this.stmts, this.names, (op) => this.run(op), this.streamPageSize));
  }

  // async, so a failure to build the reader rejects the promise as it always did, never throws at the call.
  async getMeasurement(id: string): Promise<Measurement | null> { return this.reads.getMeasurement(id); }
  async measurementFacts(q: MeasurementQuery): Promise<MeasurementFacts[]> { return this.reads.measurementFacts(q); }

  /** Lazy like the generator it forwards to: nothing is read or built until the first page is asked for. */
  streamMeasurements(q: MeasurementQuery): AsyncIterable<Measurement> {
    return { [Symbol.asyncIterator]: () => this.reads.streamMeasurements(q)[Symbol.asyncIterator]() };
  }

  private get stats(): TargetStatsReader {
    return (this.statsReader ??= new TargetStatsReader(this.db, this.names));
  }

  targetStats(q: TargetStatsQuery): Promise<TargetStatsRow[]> { return this.run(() => this.stats.read(q)); }
  networkStats(q: TargetStatsQuery): Promise<NetworkStatsRow[]> { return this.run(() => this.stats.readNetworks(q)); }
  lastSeen(q: { before?: Date } = {}): Promise<LastSeenRow[]> { return this.run(() => this.probes.lastSeen(q)); }

  private retentionTables: Retention | null = null;
  /** Built on first use, after migrate() created the tables. */
  private get retention(): Retention {
    return (this.retentionTables ??= new Retention(this.stmts, this.names, (op) => this.run(op), this.pruneChunkSize));
  }

  async pruneMeasurements(olderThan: Date): Promise<number> { return this.retention.pruneMeasurements(olderThan); }
  async pruneRollups(olderThan: Date): Promise<number> { return this.retention.pruneRollups(olderThan); }
  async pruneTargetMinuteRollups(olderThan: Date): Promise<number> { return this.retention.pruneTargetMinuteRollups(olderThan); }

  private incidentTables: IncidentTables | null = null;
  private get incidents(): IncidentTables {
    return (this.incidentTables ??= new IncidentTables(this.stmts));
  }

  async saveIncident(incident: Incident): Promise<void> { await this.run(() => this.incidents.saveIncident(incident)); }
  getIncident(id: string): Promise<Incident | null> { return this.run(() => this.incidents.getIncident(id)); }
  listIncidents(q: IncidentQuery): Promise<Incident[]> { return this.run(() => this.incidents.listIncidents(q)); }

  private probeTables: ProbeTables | null = null;
  private get probes(): ProbeTables {
    return (this.probeTables ??= new ProbeTables(this.stmts, this.names));
  }

  async upsertProbe(probe: Omit<ProbeRecord, "measurements" | "lastSeenAt">): Promise<void> { await this.run(() => this.probes.upsertProbe(probe)); }
  listProbes(): Promise<ProbeRecord[]> { return this.run(() => this.probes.listProbes()); }

  async saveProbeToken(token: ProbeToken): Promise<void> {
    // A bad hash is the caller's error, refused before the store is touched.
    if (!/^[0-9a-f]{64}$/.test(token.tokenHash)) {
      throw new TypeError("tokenHash must be a sha256 hex digest (the token itself is never stored)");
    }
    await this.run(() => this.probes.saveProbeToken(token));
  }

  findProbeToken(tokenHash: string): Promise<ProbeToken | null> { return this.run(() => this.probes.findProbeToken(tokenHash)); }
  revokeProbeToken(probeId: string, at: Date): Promise<number> { return this.run(() => this.probes.revokeProbeToken(probeId, at)); }

  private enrollmentTables: EnrollmentTables | null = null;
  private get enrollment(): EnrollmentTables {
    return (this.enrollmentTables ??= new EnrollmentTables(this.db));
  }

  async saveInvite(invite: Omit<ProbeInvite, "usedAt" | "probeId">): Promise<void> { await this.run(() => this.enrollment.saveInvite(invite)); }
  redeemInvite(codeHash: string, at: Date, probeId: string, tokenHash: string): Promise<RedeemResult> {
    return this.run(() => this.enrollment.redeemInvite(codeHash, at, probeId, tokenHash));
  }
  listInvites(): Promise<ProbeInvite[]> { return this.run(() => this.enrollment.listInvites()); }
  revokeInvite(codeHash: string, at: Date): Promise<boolean> { return this.run(() => this.enrollment.revokeInvite(codeHash, at)); }
  getEnrolledProbe(id: string): Promise<EnrolledProbe | null> { return this.run(() => this.enrollment.getEnrolledProbe(id)); }
  async saveHeartbeat(heartbeat: ProbeHeartbeat): Promise<void> { await this.run(() => this.enrollment.saveHeartbeat(heartbeat)); }
  listHeartbeats(): Promise<ProbeHeartbeat[]> { return this.run(() => this.enrollment.listHeartbeats()); }

  private stateTable: StateTable | null = null;
  private get state(): StateTable {
    return (this.stateTable ??= new StateTable(this.stmts));
  }

  getState(key: string): Promise<string | null> { return this.run(() => this.state.getState(key)); }
  async setState(key: string, value: string): Promise<void> { await this.run(() => this.state.setState(key, value)); }

  private analystTables: AnalystTables | null = null;
  private get analysts(): AnalystTables {
    return (this.analystTables ??= new AnalystTables(this.db));
  }

  createUser(user: UserRecord, audit: AuditInput): Promise<boolean> { return this.run(() => this.analysts.createUser(user, audit)); }
  getUser(name: string): Promise<UserRecord | null> { return this.run(() => this.analysts.getUser(name)); }
  findUserByReadToken(tokenHash: string): Promise<UserRecord | null> { return this.run(() => this.analysts.findUserByReadToken(tokenHash)); }
  listUsers(): Promise<UserRecord[]> { return this.run(() => this.analysts.listUsers()); }
  updateUser(name: string, change: UserChange, audit: AuditInput): Promise<boolean> { return this.run(() => this.analysts.updateUser(name, change, audit)); }
  async createSession(session: SessionRecord, audit: AuditInput): Promise<void> { await this.run(() => this.analysts.createSession(session, audit)); }
  getSession(idHash: string): Promise<SessionRecord | null> { return this.run(() => this.analysts.getSession(idHash)); }
  async deleteSession(idHash: string, audit: AuditInput | null): Promise<void> { await this.run(() => this.analysts.deleteSession(idHash, audit)); }
  addIncidentNote(note: Omit<IncidentNote, "id">, audit: AuditInput): Promise<IncidentNote> { return this.run(() => this.analysts.addIncidentNote(note, audit)); }
  listIncidentNotes(incidentId: string): Promise<IncidentNote[]> { return this.run(() => this.analysts.listIncidentNotes(incidentId)); }
  async setIncidentVerification(incidentId: string, v: Omit<IncidentVerification, "incidentId"> | null, audit: AuditInput): Promise<void> {
    await this.run(() => this.analysts.setIncidentVerification(incidentId, v, audit));
  }
  getIncidentVerification(incidentId: string): Promise<IncidentVerification | null> { return this.run(() => this.analysts.getIncidentVerification(incidentId)); }
  listIncidentVerifications(incidentIds: string[]): Promise<IncidentVerification[]> { return this.run(() => this.analysts.listIncidentVerifications(incidentIds)); }
  appendAudit(entry: AuditInput): Promise<AuditEntry> { return this.run(() => this.analysts.appendAudit(entry)); }
  listAudit(q: AuditQuery): Promise<AuditEntry[]> { return this.run(() => this.analysts.listAudit(q)); }
}
