// The store interface. SQLite (sqlite.ts) is the embedded default; a PostgreSQL implementation must be
// able to replace it without the detector or the API noticing, so every method is async and speaks
// only in the types below (no SQL, no driver objects leak out).
import type { Measurement, MeasurementFacts, TargetList } from "../measurement.js";
import type { Incident, IncidentKind } from "../incident.js";
import type {
  AuditEntry, AuditInput, AuditQuery, IncidentNote, IncidentVerification, SessionRecord, UserChange, UserRecord,
} from "./analyst-records.js";

export type * from "./analyst-records.js";

export interface MeasurementQuery {
  region?: string;
  network?: string;
  probeId?: string;
  /** Inclusive lower bound on startedAt. */
  since?: Date;
  /** Exclusive upper bound on startedAt. */
  until?: Date;
  role?: "region" | "control";
}

/** One rollup row: what one probe saw of one target in one bucket. */
export interface TargetStatsRow {
  bucketStart: string;
  region: string;
  network: string;
  probeId: string;
  role: "region" | "control";
  url: string;
  list: TargetList;
  category: string;
  total: number;
  ok: number;
  /** Failures per blocking layer ("dns", "tcp", "tls", "http-failure", "http-diff"); down = blocking null. */
  blocked: Record<string, number>;
  down: number;
  dnsFailures: number;
  throughputSum: number;
  throughputCount: number;
  tlsHandshakeSum: number;
  tlsHandshakeCount: number;
  lastAt: string;
}

/**
 * TargetStatsRows summed over every probe and target of one bucket x region x network x role x list: what
 * region grids and timelines show, read from far fewer rows than targetStats.
 */
export type NetworkStatsRow = Omit<TargetStatsRow, "probeId" | "url" | "category">;

export interface TargetStatsQuery {
  since: Date;
  until: Date;
  region?: string;
  /**
   * Bucket width in whole seconds. Multiples of 3600 read the hour rollups (kept rollupDays); other multiples
   * of 60 read the minute rollups: in networkStats kept rollupDays, in targetStats only targetMinuteDays;
   * finer widths (detector windows of 5-30 s) are computed from raw measurements, so reach back only as
   * far as raw retention. Buckets are epoch-aligned; a bucket is returned when its start is in [since, until).
   * A read past a source's horizon answers from what is still stored (older buckets are simply absent, never
   * made up from another grain): the caller picks the grain by the range's age (see src/api/routes/targets.ts).
   */
  bucketSeconds: number;
}

export interface MeasurementPruneOptions {
  /**
   * The per-target minute horizon (retention.targetMinuteDays, as pruneTargetMinuteRollups will be called):
   * per-target minute stats of removed rows that started at or after it must stay answerable, older ones
   * may go with the rows. Unset: all stay. A store that keeps minute rollups apart from its raw rows (SQLite)
   * ignores it; PostgreSQL reads per-target minutes from live rows and keeps the removed rows' sums from here on.
   */
  targetMinutesSince?: Date;
}

/** What one compactClosed run did (see Store.compactClosed). */
export interface CompactionRun {
  /** Another process was compacting: this run did nothing. */
  busy: boolean;
  /** Indexes rebuilt full. */
  compacted: number;
  /** Leftover indexes of an interrupted rebuild dropped (their partition is redone). */
  cleaned: number;
}

export interface IncidentQuery {
  region?: string;
  network?: string;
  kind?: IncidentKind;
  status?: "open" | "closed";
  /** Incidents active at or after this time (open, or ended after it). */
  since?: Date;
  until?: Date;
  limit?: number;
  offset?: number;
}

export interface ProbeRecord {
  id: string;
  region: string;
  network: string;
  role: "region" | "control";
  lastSeenAt: string | null;
  measurements: number;
}

export interface ProbeToken {
  probeId: string;
  region: string;
  /** sha256 hex of the bearer token; the token itself is never stored. */
  tokenHash: string;
  createdAt: string;
  revokedAt: string | null;
}

/** A one-time enrollment code: only its sha256 is stored; it registers one probe, once, before expiresAt. */
export interface ProbeInvite {
  codeHash: string;
  region: string;
  network: string;
  createdAt: string;
  expiresAt: string;
  /** When it was redeemed, and the probe it registered (null until then). */
  usedAt: string | null;
  probeId: string | null;
}

/** A probe registered by enrollment (the configuration's probes are the other kind). Role is always region. */
export interface EnrolledProbe {
  id: string;
  region: string;
  network: string;
  enrolledAt: string;
}

export type RedeemResult =
  | { ok: true; probe: EnrolledProbe }
  | { ok: false; reason: "unknown" | "used" | "expired" };

/** The last heartbeat a probe sent, as the server received it. */
export interface ProbeHeartbeat {
  probeId: string;
  receivedAt: string;
  version: string;
  spoolDepth: number;
  clockOffsetMs: number | null;
  lastRoundAt: string | null;
  lastError: string | null;
}

export interface InsertResult {
  inserted: number;
  duplicates: number;
}

/** "locked": readable, but another connection holds the write lock; "down": not usable at all. */
export type StoreHealth = "up" | "locked" | "down";

/**
 * Every method may reject with StoreUnavailableError (./errors.ts) when the store is locked or down for
 * longer than the implementation waits; callers retry later. No method blocks the event loop on a lock.
 */
export interface Store {
  /** Applies pending migrations. Idempotent. */
  migrate(): Promise<void>;
  close(): Promise<void>;
  /** Whether writes would go through now (readiness). Never throws. */
  health(): Promise<StoreHealth>;

  /** Stores a batch atomically; a measurement whose id is already stored is counted as a duplicate. */
  insertMeasurements(batch: Measurement[]): Promise<InsertResult>;
  getMeasurement(id: string): Promise<Measurement | null>;
  /** Streams full measurements ordered by startedAt, without loading the range into memory. */
  streamMeasurements(q: MeasurementQuery): AsyncIterable<Measurement>;
  /** Flat facts for detector windows, ordered by startedAt. */
  measurementFacts(q: MeasurementQuery): Promise<MeasurementFacts[]>;
  /** Per-minute rollups (re-bucketed to bucketSeconds), kept longer than raw measurements. */
  targetStats(q: TargetStatsQuery): Promise<TargetStatsRow[]>;
  /** targetStats summed over probes and targets (same buckets, same sources, same retention). */
  networkStats(q: TargetStatsQuery): Promise<NetworkStatsRow[]>;
  /**
   * Newest startedAt per region × network × probe, for "dark" detection and last-seen. With `before`, the
   * newest stamp before that time (a probe with none is left out): what a replay at that time would have
   * seen, and a probe's newest stamp that is not from the future. Measurements marked as taken during
   * the agent's own local outage (Measurement.local) never count.
   */
  lastSeen(q?: { before?: Date }): Promise<{ region: string; network: string; probeId: string; lastAt: string }[]>;
  /** Deletes raw measurements older than the cutoff (rollups stay, see MeasurementPruneOptions). Returns rows deleted. */
  pruneMeasurements(olderThan: Date, opts?: MeasurementPruneOptions): Promise<number>;
  /** Deletes rollups older than the cutoff (whole buckets only), every grain. Returns per-target minute rows deleted. */
  pruneRollups(olderThan: Date): Promise<number>;
  /**
   * Deletes per-target minute rollups older than the cutoff (whole buckets only; retention.targetMinuteDays),
   * leaving per-target hour rollups and every network rollup. Returns rows deleted.
   */
  pruneTargetMinuteRollups(olderThan: Date): Promise<number>;
  /**
   * Storage maintenance after retention (optional: SQLite has none). PostgreSQL rebuilds, packed full, the
   * indexes of a few day partitions that closed (their day ended a while before `now`) and are not compacted
   * yet; reads, writes and answers are unchanged. At most one process at a time does it; the others skip.
   */
  compactClosed?(now: Date): Promise<CompactionRun>;

  saveIncident(incident: Incident): Promise<void>;
  getIncident(id: string): Promise<Incident | null>;
  listIncidents(q: IncidentQuery): Promise<Incident[]>;

  upsertProbe(probe: Omit<ProbeRecord, "measurements" | "lastSeenAt">): Promise<void>;
  listProbes(): Promise<ProbeRecord[]>;

  saveProbeToken(token: ProbeToken): Promise<void>;
  findProbeToken(tokenHash: string): Promise<ProbeToken | null>;
  revokeProbeToken(probeId: string, at: Date): Promise<number>;

  saveInvite(invite: Omit<ProbeInvite, "usedAt" | "probeId">): Promise<void>;
  /**
   * Redeems an invite atomically: marks it used, registers the probe and stores its token hash, or changes
   * nothing when the code is unknown, already used or expired at `at`.
   */
  redeemInvite(codeHash: string, at: Date, probeId: string, tokenHash: string): Promise<RedeemResult>;
  /** Every invite, newest first (hashes only: the codes were never stored). */
  listInvites(): Promise<ProbeInvite[]>;
  /**
   * Revokes an unused invite by expiring it at `at`. False when it is unknown, already used or already
   * expired (nothing changes).
   */
  revokeInvite(codeHash: string, at: Date): Promise<boolean>;
  getEnrolledProbe(id: string): Promise<EnrolledProbe | null>;
  saveHeartbeat(heartbeat: ProbeHeartbeat): Promise<void>;
  listHeartbeats(): Promise<ProbeHeartbeat[]>;

  /** Small durable key/value for stage state (detector hysteresis, alert reminders). */
  getState(key: string): Promise<string | null>;
  setState(key: string, value: string): Promise<void>;

  // Analysts' layer (migration 7). Every change takes the audit line that records it and writes both in one
  // transaction: an action without its audit line (or the reverse) never survives a crash. The audit log
  // can only be appended to and read; no method edits or deletes it.

  /** Creates a user; false (and nothing written) when the name is taken. */
  createUser(user: UserRecord, audit: AuditInput): Promise<boolean>;
  getUser(name: string): Promise<UserRecord | null>;
  findUserByReadToken(tokenHash: string): Promise<UserRecord | null>;
  /** Every user, by name. */
  listUsers(): Promise<UserRecord[]>;
  /** Applies the change; a new password, role or disabling also deletes the user's sessions. False: no such user. */
  updateUser(name: string, change: UserChange, audit: AuditInput): Promise<boolean>;

  /** Stores a session (and drops expired ones). */
  createSession(session: SessionRecord, audit: AuditInput): Promise<void>;
  getSession(idHash: string): Promise<SessionRecord | null>;
  deleteSession(idHash: string, audit: AuditInput | null): Promise<void>;

  addIncidentNote(note: Omit<IncidentNote, "id">, audit: AuditInput): Promise<IncidentNote>;
  /** Oldest first. */
  listIncidentNotes(incidentId: string): Promise<IncidentNote[]>;
  /** Marks an incident verified (replacing an earlier mark) or, with null, withdraws the mark. */
  setIncidentVerification(incidentId: string, verification: Omit<IncidentVerification, "incidentId"> | null, audit: AuditInput): Promise<void>;
  getIncidentVerification(incidentId: string): Promise<IncidentVerification | null>;
  /** Verifications of many incidents at once (archive pages, CSV); ids without one are left out. */
  listIncidentVerifications(incidentIds: string[]): Promise<IncidentVerification[]>;

  appendAudit(entry: AuditInput): Promise<AuditEntry>;
  /** Oldest first (seq order). */
  listAudit(q: AuditQuery): Promise<AuditEntry[]>;
}
