// Analysts' tables of the PostgreSQL store (migration 3): users, sessions, incident notes and verifications,
// and the audit log. Same behaviour as ../sqlite-analysts.ts (tests/store/analysts-contract.ts runs on both).
// Each change and its audit line are written in one transaction; the database refuses any UPDATE or DELETE
// of audit_log and incident_notes (triggers in migrations.ts).
import type pg from "pg";
import type {
  AuditEntry, AuditInput, AuditQuery, IncidentNote, IncidentVerification, SessionRecord, UserChange, UserRecord,
} from "../analyst-records.js";
import type { PgTransaction } from "./runners.js";

const SHA256_HEX = /^[0-9a-f]{64}$/;

interface UserRow { name: string; role: UserRecord["role"]; password_hash: string; read_token_hash: string | null; created_at: string; disabled_at: string | null }

const toUser = (r: UserRow): UserRecord => ({
  name: r.name, role: r.role, passwordHash: r.password_hash, readTokenHash: r.read_token_hash, createdAt: r.created_at, disabledAt: r.disabled_at,
});
const USER_COLUMNS = "name, role, password_hash, read_token_hash, created_at, disabled_at";

type Queryable = pg.Pool | pg.PoolClient;

async function audit(db: Queryable, entry: AuditInput): Promise<AuditEntry> {
  const detail = entry.detail ?? null;
  const { rows } = await db.query<{ seq: string }>(
    "INSERT INTO audit_log (at, actor, action, subject, detail) VALUES ($1, $2, $3, $4, $5) RETURNING seq",
    [entry.at, entry.actor, entry.action, entry.subject, detail]);
  return { seq: Number(rows[0]!.seq), ...entry, detail };
}

export class PgAnalysts {
  constructor(private readonly pool: pg.Pool, private readonly transaction: PgTransaction) {}

  appendAudit(entry: AuditInput): Promise<AuditEntry> {
    return audit(this.pool, entry);
  }

  async listAudit(q: AuditQuery): Promise<AuditEntry[]> {
    const parts: string[] = [];
    const values: unknown[] = [];
    if (q.since) { values.push(q.since.toISOString()); parts.push(`at >= $${values.length}`); }
    if (q.until) { values.push(q.until.toISOString()); parts.push(`at < $${values.length}`); }
    values.push(q.limit ?? null, q.offset ?? 0);
    const { rows } = await this.pool.query<Omit<AuditEntry, "seq"> & { seq: string }>(
      `SELECT seq, at, actor, action, subject, detail FROM audit_log WHERE ${parts.length ? parts.join(" AND ") : "TRUE"}
       ORDER BY seq LIMIT $${values.length - 1} OFFSET $${values.length}`, values);
    return rows.map((r) => ({ ...r, seq: Number(r.seq) }));
  }

  createUser(user: UserRecord, entry: AuditInput): Promise<boolean> {
    if (user.readTokenHash !== null && !SHA256_HEX.test(user.readTokenHash)) throw new TypeError("readTokenHash must be a sha256 hex digest");
    return this.transaction(async (c) => {
      const r = await c.query(`INSERT INTO users (${USER_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (name) DO NOTHING`,
        [user.name, user.role, user.passwordHash, user.readTokenHash, user.createdAt, user.disabledAt]);
      if (r.rowCount === 0) return false;
      await audit(c, entry);
      return true;
    });
  }

  async getUser(name: string): Promise<UserRecord | null> {
    const { rows } = await this.pool.query<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE name = $1`, [name]);
    return rows[0] ? toUser(rows[0]) : null;
  }

  async findUserByReadToken(tokenHash: string): Promise<UserRecord | null> {
    const { rows } = await this.pool.query<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE read_token_hash = $1`, [tokenHash]);
    return rows[0] ? toUser(rows[0]) : null;
  }

  async listUsers(): Promise<UserRecord[]> {
    const { rows } = await this.pool.query<UserRow>(`SELECT ${USER_COLUMNS} FROM users ORDER BY name`);
    return rows.map(toUser);
  }

  updateUser(name: string, change: UserChange, entry: AuditInput): Promise<boolean> {
    if (change.readTokenHash && !SHA256_HEX.test(change.readTokenHash)) throw new TypeError("readTokenHash must be a sha256 hex digest");
    return this.transaction(async (c) => {
      const { rows } = await c.query<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE name = $1 FOR UPDATE`, [name]);
      const old = rows[0];
      if (!old) return false;
      const next = { ...toUser(old), ...change };
      await c.query("UPDATE users SET role = $1, password_hash = $2, read_token_hash = $3, disabled_at = $4 WHERE name = $5",
        [next.role, next.passwordHash, next.readTokenHash, next.disabledAt, name]);
      if (change.passwordHash !== undefined || (change.role !== undefined && change.role !== old.role) || change.disabledAt) {
        await c.query("DELETE FROM sessions WHERE user_name = $1", [name]);
      }
      await audit(c, entry);
      return true;
    });
  }

  async createSession(s: SessionRecord, entry: AuditInput): Promise<void> {
    if (!SHA256_HEX.test(s.idHash)) throw new TypeError("idHash must be a sha256 hex digest (the session id itself is never stored)");
    await this.transaction(async (c) => {
      await c.query("DELETE FROM sessions WHERE expires_at < $1", [s.createdAt]);
      await c.query("INSERT INTO sessions (id_hash, user_name, created_at, expires_at) VALUES ($1, $2, $3, $4)",
        [s.idHash, s.userName, s.createdAt, s.expiresAt]);
      await audit(c, entry);
    });
  }

  async getSession(idHash: string): Promise<SessionRecord | null> {
    const { rows } = await this.pool.query<{ id_hash: string; user_name: string; created_at: string; expires_at: string }>(
      "SELECT id_hash, user_name, created_at, expires_at FROM sessions WHERE id_hash = $1", [idHash]);
    const r = rows[0];
    return r ? { idHash: r.id_hash, userName: r.user_name, createdAt: r.created_at, expiresAt: r.expires_at } : null;
  }

  async deleteSession(idHash: string, entry: AuditInput | null): Promise<void> {
    await this.transaction(async (c) => {
      const r = await c.query("DELETE FROM sessions WHERE id_hash = $1", [idHash]);
      if ((r.rowCount ?? 0) > 0 && entry) await audit(c, entry);
    });
  }

  addIncidentNote(note: Omit<IncidentNote, "id">, entry: AuditInput): Promise<IncidentNote> {
    return this.transaction(async (c) => {
      const { rows } = await c.query<{ id: string }>(
        "INSERT INTO incident_notes (incident_id, author, text, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
        [note.incidentId, note.author, note.text, note.createdAt]);
      const id = Number(rows[0]!.id);
      await audit(c, { ...entry, detail: entry.detail ?? `note ${id}` });
      return { id, ...note };
    });
  }

  async listIncidentNotes(incidentId: string): Promise<IncidentNote[]> {
    const { rows } = await this.pool.query<{ id: string; incidentId: string; author: string; text: string; createdAt: string }>(
      `SELECT id, incident_id AS "incidentId", author, text, created_at AS "createdAt" FROM incident_notes
       WHERE incident_id = $1 ORDER BY id`, [incidentId]);
    return rows.map((r) => ({ ...r, id: Number(r.id) }));
  }

  async setIncidentVerification(incidentId: string, v: Omit<IncidentVerification, "incidentId"> | null, entry: AuditInput): Promise<void> {
    await this.transaction(async (c) => {
      if (v === null) await c.query("DELETE FROM incident_verifications WHERE incident_id = $1", [incidentId]);
      else {
        await c.query(`INSERT INTO incident_verifications (incident_id, verified_by, verified_at) VALUES ($1, $2, $3)
          ON CONFLICT (incident_id) DO UPDATE SET verified_by = excluded.verified_by, verified_at = excluded.verified_at`,
        [incidentId, v.verifiedBy, v.verifiedAt]);
      }
      await audit(c, entry);
    });
  }

  async getIncidentVerification(incidentId: string): Promise<IncidentVerification | null> {
    const { rows } = await this.pool.query<IncidentVerification>(
      `SELECT incident_id AS "incidentId", verified_by AS "verifiedBy", verified_at AS "verifiedAt"
       FROM incident_verifications WHERE incident_id = $1`, [incidentId]);
    return rows[0] ?? null;
  }

  async listIncidentVerifications(incidentIds: string[]): Promise<IncidentVerification[]> {
    if (incidentIds.length === 0) return [];
    const { rows } = await this.pool.query<IncidentVerification>(
      `SELECT incident_id AS "incidentId", verified_by AS "verifiedBy", verified_at AS "verifiedAt"
       FROM incident_verifications WHERE incident_id = ANY($1::text[]) ORDER BY incident_id`, [incidentIds]);
    return rows;
  }
}
