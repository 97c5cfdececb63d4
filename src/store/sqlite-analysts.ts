// SQL of the analysts' layer: users, sessions, incident notes and verifications, and the audit log. Kept
// beside sqlite.ts so that file stays readable; SqliteStore delegates here with its lock-aware runner.
// Each change and its audit line are written in one IMMEDIATE transaction.
import type { Database } from "better-sqlite3";
import type {
  AuditEntry, AuditInput, AuditQuery, IncidentNote, IncidentVerification, SessionRecord, UserChange, UserRecord,
} from "./analyst-records.js";

const SHA256_HEX = /^[0-9a-f]{64}$/;

interface UserRow { name: string; role: UserRecord["role"]; password_hash: string; read_token_hash: string | null; created_at: string; disabled_at: string | null }

const toUser = (r: UserRow): UserRecord => ({
  name: r.name, role: r.role, passwordHash: r.password_hash, readTokenHash: r.read_token_hash, createdAt: r.created_at, disabledAt: r.disabled_at,
});
const USER_COLUMNS = "name, role, password_hash, read_token_hash, created_at, disabled_at";

export class AnalystTables {
  constructor(private readonly db: Database) {}

  private audit(entry: AuditInput): AuditEntry {
    const seq = this.db.prepare("INSERT INTO audit_log (at, actor, action, subject, detail) VALUES (@at, @actor, @action, @subject, @detail)")
      .run({ ...entry, detail: entry.detail ?? null }).lastInsertRowid;
    return { seq: Number(seq), ...entry, detail: entry.detail ?? null };
  }

  appendAudit(entry: AuditInput): AuditEntry {
    return this.db.transaction(() => this.audit(entry)).immediate();
  }

  listAudit(q: AuditQuery): AuditEntry[] {
    const parts: string[] = [];
    const params: Record<string, string | number> = { limit: q.limit ?? -1, offset: q.offset ?? 0 };
    if (q.since) { parts.push("at >= @since"); params.since = q.since.toISOString(); }
    if (q.until) { parts.push("at < @until"); params.until = q.until.toISOString(); }
    return this.db.prepare(`SELECT seq, at, actor, action, subject, detail FROM audit_log
      WHERE ${parts.length ? parts.join(" AND ") : "1"} ORDER BY seq LIMIT @limit OFFSET @offset`).all(params) as AuditEntry[];
  }

  createUser(user: UserRecord, audit: AuditInput): boolean {
    if (user.readTokenHash !== null && !SHA256_HEX.test(user.readTokenHash)) throw new TypeError("readTokenHash must be a sha256 hex digest");
    return this.db.transaction(() => {
      const r = this.db.prepare(`INSERT INTO users (${USER_COLUMNS}) VALUES (@name, @role, @passwordHash, @readTokenHash, @createdAt, @disabledAt)
        ON CONFLICT (name) DO NOTHING`).run(user);
      if (r.changes === 0) return false;
      this.audit(audit);
      return true;
    }).immediate();
  }

  getUser(name: string): UserRecord | null {
    const row = this.db.prepare(`SELECT ${USER_COLUMNS} FROM users WHERE name = ?`).get(name) as UserRow | undefined;
    return row ? toUser(row) : null;
  }

  findUserByReadToken(tokenHash: string): UserRecord | null {
    const row = this.db.prepare(`SELECT ${USER_COLUMNS} FROM users WHERE read_token_hash = ?`).get(tokenHash) as UserRow | undefined;
    return row ? toUser(row) : null;
  }

  listUsers(): UserRecord[] {
    return (this.db.prepare(`SELECT ${USER_COLUMNS} FROM users ORDER BY name`).all() as UserRow[]).map(toUser);
  }

  updateUser(name: string, change: UserChange, audit: AuditInput): boolean {
    if (change.readTokenHash && !SHA256_HEX.test(change.readTokenHash)) throw new TypeError("readTokenHash must be a sha256 hex digest");
    return this.db.transaction(() => {
      const old = this.db.prepare(`SELECT ${USER_COLUMNS} FROM users WHERE name = ?`).get(name) as UserRow | undefined;
      if (!old) return false;
      const next = { ...toUser(old), ...change };
      this.db.prepare(`UPDATE users SET role = @role, password_hash = @passwordHash, read_token_hash = @readTokenHash,
        disabled_at = @disabledAt WHERE name = @name`).run(next);
      if (change.passwordHash !== undefined || (change.role !== undefined && change.role !== old.role) || change.disabledAt) {
        this.db.prepare("DELETE FROM sessions WHERE user_name = ?").run(name);
      }
      this.audit(audit);
      return true;
    }).immediate();
  }

  createSession(s: SessionRecord, audit: AuditInput): void {
    if (!SHA256_HEX.test(s.idHash)) throw new TypeError("idHash must be a sha256 hex digest (the session id itself is never stored)");
    this.db.transaction(() => {
      this.db.prepare("DELETE FROM sessions WHERE expires_at < ?").run(s.createdAt);
      this.db.prepare("INSERT INTO sessions (id_hash, user_name, created_at, expires_at) VALUES (@idHash, @userName, @createdAt, @expiresAt)").run(s);
      this.audit(audit);
    }).immediate();
  }

  getSession(idHash: string): SessionRecord | null {
    const row = this.db.prepare("SELECT id_hash, user_name, created_at, expires_at FROM sessions WHERE id_hash = ?").get(idHash) as
      { id_hash: string; user_name: string; created_at: string; expires_at: string } | undefined;
    return row ? { idHash: row.id_hash, userName: row.user_name, createdAt: row.created_at, expiresAt: row.expires_at } : null;
  }

  deleteSession(idHash: string, audit: AuditInput | null): void {
    this.db.transaction(() => {
      const r = this.db.prepare("DELETE FROM sessions WHERE id_hash = ?").run(idHash);
      if (r.changes > 0 && audit) this.audit(audit);
    }).immediate();
  }

  addIncidentNote(note: Omit<IncidentNote, "id">, audit: AuditInput): IncidentNote {
    return this.db.transaction(() => {
      const id = Number(this.db.prepare("INSERT INTO incident_notes (incident_id, author, text, created_at) VALUES (@incidentId, @author, @text, @createdAt)")
        .run(note).lastInsertRowid);
      this.audit({ ...audit, detail: audit.detail ?? `note ${id}` });
      return { id, ...note };
    }).immediate();
  }

  listIncidentNotes(incidentId: string): IncidentNote[] {
    return this.db.prepare(`SELECT id, incident_id AS incidentId, author, text, created_at AS createdAt FROM incident_notes
      WHERE incident_id = ? ORDER BY id`).all(incidentId) as IncidentNote[];
  }

  setIncidentVerification(incidentId: string, v: Omit<IncidentVerification, "incidentId"> | null, audit: AuditInput): void {
    this.db.transaction(() => {
      if (v === null) this.db.prepare("DELETE FROM incident_verifications WHERE incident_id = ?").run(incidentId);
      else {
        this.db.prepare(`INSERT INTO incident_verifications (incident_id, verified_by, verified_at) VALUES (?, ?, ?)
          ON CONFLICT (incident_id) DO UPDATE SET verified_by = excluded.verified_by, verified_at = excluded.verified_at`)
          .run(incidentId, v.verifiedBy, v.verifiedAt);
      }
      this.audit(audit);
    }).immediate();
  }

  getIncidentVerification(incidentId: string): IncidentVerification | null {
    return (this.db.prepare(`SELECT incident_id AS incidentId, verified_by AS verifiedBy, verified_at AS verifiedAt
      FROM incident_verifications WHERE incident_id = ?`).get(incidentId) as IncidentVerification | undefined) ?? null;
  }

  listIncidentVerifications(incidentIds: string[]): IncidentVerification[] {
    if (incidentIds.length === 0) return [];
    return this.db.prepare(`SELECT incident_id AS incidentId, verified_by AS verifiedBy, verified_at AS verifiedAt
      FROM incident_verifications WHERE incident_id IN (SELECT value FROM json_each(?)) ORDER BY incident_id`)
      .all(JSON.stringify(incidentIds)) as IncidentVerification[];
  }
}
