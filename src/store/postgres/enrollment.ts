// Enrollment tables of the PostgreSQL store: probe tokens (hashes only), one-time invites (hashes only),
// enrolled probes and their last heartbeats. Kept apart so store.ts stays readable.
import type pg from "pg";
import type { EnrolledProbe, ProbeHeartbeat, ProbeInvite, ProbeToken, RedeemResult } from "../store.js";

const SHA256_HEX = /^[0-9a-f]{64}$/;

export class PgEnrollment {
  constructor(private readonly pool: pg.Pool) {}

  async saveProbeToken(t: ProbeToken): Promise<void> {
    if (!SHA256_HEX.test(t.tokenHash)) throw new TypeError("tokenHash must be a sha256 hex digest (the token itself is never stored)");
    await this.pool.query(`INSERT INTO probe_tokens (token_hash, probe_id, region, created_at, revoked_at)
      VALUES ($1, $2, $3, $4, $5)
      ON CONFLICT (token_hash) DO UPDATE SET probe_id = excluded.probe_id, region = excluded.region,
        created_at = excluded.created_at, revoked_at = excluded.revoked_at`,
    [t.tokenHash, t.probeId, t.region, t.createdAt, t.revokedAt]);
  }

  async findProbeToken(tokenHash: string): Promise<ProbeToken | null> {
    const { rows } = await this.pool.query<{ token_hash: string; probe_id: string; region: string; created_at: string; revoked_at: string | null }>(
      "SELECT token_hash, probe_id, region, created_at, revoked_at FROM probe_tokens WHERE token_hash = $1", [tokenHash]);
    const r = rows[0];
    return r ? { tokenHash: r.token_hash, probeId: r.probe_id, region: r.region, createdAt: r.created_at, revokedAt: r.revoked_at } : null;
  }

  async revokeProbeToken(probeId: string, at: Date): Promise<number> {
    const r = await this.pool.query("UPDATE probe_tokens SET revoked_at = $1 WHERE probe_id = $2 AND revoked_at IS NULL",
      [at.toISOString(), probeId]);
    return r.rowCount ?? 0;
  }

  async saveInvite(invite: Omit<ProbeInvite, "usedAt" | "probeId">): Promise<void> {
    if (!SHA256_HEX.test(invite.codeHash)) throw new TypeError("codeHash must be a sha256 hex digest (the code itself is never stored)");
    await this.pool.query(`INSERT INTO probe_invites (code_hash, region, network, created_at, expires_at)
      VALUES ($1, $2, $3, $4, $5)`, [invite.codeHash, invite.region, invite.network, invite.createdAt, invite.expiresAt]);
  }

  /** Row-locks the invite, so of two callers racing for one code exactly one redeems it. */
  async redeemInvite(codeHash: string, at: Date, probeId: string, tokenHash: string): Promise<RedeemResult> {
    if (!SHA256_HEX.test(tokenHash)) throw new TypeError("tokenHash must be a sha256 hex digest");
    const client = await this.pool.connect();
    try {
      await client.query("BEGIN");
      const { rows } = await client.query<{ region: string; network: string; expires_at: string; used_at: string | null }>(
        "SELECT region, network, expires_at, used_at FROM probe_invites WHERE code_hash = $1 FOR UPDATE", [codeHash]);
      const row = rows[0];
      let result: RedeemResult;
      if (!row) result = { ok: false, reason: "unknown" };
      else if (row.used_at !== null) result = { ok: false, reason: "used" };
      else if (Date.parse(row.expires_at) <= at.getTime()) result = { ok: false, reason: "expired" };
      else {
        const enrolledAt = at.toISOString();
        await client.query("UPDATE probe_invites SET used_at = $1, probe_id = $2 WHERE code_hash = $3", [enrolledAt, probeId, codeHash]);
        await client.query("INSERT INTO enrolled_probes (id, region, network, enrolled_at) VALUES ($1, $2, $3, $4)",
          [probeId, row.region, row.network, enrolledAt]);
        await client.query(`INSERT INTO probe_tokens (token_hash, probe_id, region, created_at, revoked_at)
          VALUES ($1, $2, $3, $4, NULL)`, [tokenHash, probeId, row.region, enrolledAt]);
        result = { ok: true, probe: { id: probeId, region: row.region, network: row.network, enrolledAt } };
      }
      await client.query("COMMIT");
      return result;
    } catch (err) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  /** Every invite, newest first (hashes only). */
  async listInvites(): Promise<ProbeInvite[]> {
    const { rows } = await this.pool.query<{ code_hash: string; region: string; network: string; created_at: string;
      expires_at: string; used_at: string | null; probe_id: string | null }>(
      "SELECT code_hash, region, network, created_at, expires_at, used_at, probe_id FROM probe_invites ORDER BY created_at DESC, code_hash");
    return rows.map((r) => ({ codeHash: r.code_hash, region: r.region, network: r.network, createdAt: r.created_at,
      expiresAt: r.expires_at, usedAt: r.used_at, probeId: r.probe_id }));
  }

  /** Expires an unused invite at `at`; the row lock makes it either redeemed or revoked, never both. */
  async revokeInvite(codeHash: string, at: Date): Promise<boolean> {
    const client = await this.pool.connect();
    try {
      await client.query("BEGIN");
      const { rows } = await client.query<{ expires_at: string; used_at: string | null }>(
        "SELECT expires_at, used_at FROM probe_invites WHERE code_hash = $1 FOR UPDATE", [codeHash]);
      const row = rows[0];
      const ok = !!row && row.used_at === null && Date.parse(row.expires_at) > at.getTime();
      if (ok) await client.query("UPDATE probe_invites SET expires_at = $1 WHERE code_hash = $2", [at.toISOString(), codeHash]);
      await client.query("COMMIT");
      return ok;
    } catch (err) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  async getEnrolledProbe(id: string): Promise<EnrolledProbe | null> {
    const { rows } = await this.pool.query<{ id: string; region: string; network: string; enrolled_at: string }>(
      "SELECT id, region, network, enrolled_at FROM enrolled_probes WHERE id = $1", [id]);
    const r = rows[0];
    return r ? { id: r.id, region: r.region, network: r.network, enrolledAt: r.enrolled_at } : null;
  }

  async saveHeartbeat(h: ProbeHeartbeat): Promise<void> {
    await this.pool.query(`INSERT INTO probe_heartbeats (probe_id, received_at, json) VALUES ($1, $2, $3)
      ON CONFLICT (probe_id) DO UPDATE SET received_at = excluded.received_at, json = excluded.json`,
    [h.probeId, h.receivedAt, JSON.stringify(h)]);
  }

  async listHeartbeats(): Promise<ProbeHeartbeat[]> {
    const { rows } = await this.pool.query<{ json: string }>("SELECT json FROM probe_heartbeats ORDER BY probe_id");
    return rows.map((r) => JSON.parse(r.json) as ProbeHeartbeat);
  }
}
