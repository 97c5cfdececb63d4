// SQL of enrollment: invites (one-time codes, stored hashed), enrolled probes and their heartbeats. Kept
// beside sqlite.ts so that file stays readable; SqliteStore delegates here with its lock-aware runner.
import type { Database } from "better-sqlite3";
import type { EnrolledProbe, ProbeHeartbeat, ProbeInvite, RedeemResult } from "./store.js";

const SHA256_HEX = /^[0-9a-f]{64}$/;

export class EnrollmentTables {
  constructor(private readonly db: Database) {}

  saveInvite(invite: Omit<ProbeInvite, "usedAt" | "probeId">): void {
    if (!SHA256_HEX.test(invite.codeHash)) throw new TypeError("codeHash must be a sha256 hex digest (the code itself is never stored)");
    this.db.prepare(`INSERT INTO probe_invites (code_hash, region, network, created_at, expires_at)
      VALUES (@codeHash, @region, @network, @createdAt, @expiresAt)`).run(invite);
  }

  /** One write transaction: a code is redeemed by exactly one caller even when two race for it. */
  redeemInvite(codeHash: string, at: Date, probeId: string, tokenHash: string): RedeemResult {
    if (!SHA256_HEX.test(tokenHash)) throw new TypeError("tokenHash must be a sha256 hex digest");
    const redeem = this.db.transaction((): RedeemResult => {
      const row = this.db.prepare(`SELECT region, network, expires_at, used_at FROM probe_invites WHERE code_hash = ?`)
        .get(codeHash) as { region: string; network: string; expires_at: string; used_at: string | null } | undefined;
      if (!row) return { ok: false, reason: "unknown" };
      if (row.used_at !== null) return { ok: false, reason: "used" };
      if (Date.parse(row.expires_at) <= at.getTime()) return { ok: false, reason: "expired" };
      const enrolledAt = at.toISOString();
      this.db.prepare("UPDATE probe_invites SET used_at = ?, probe_id = ? WHERE code_hash = ?").run(enrolledAt, probeId, codeHash);
      this.db.prepare("INSERT INTO enrolled_probes (id, region, network, enrolled_at) VALUES (?, ?, ?, ?)")
        .run(probeId, row.region, row.network, enrolledAt);
      this.db.prepare(`INSERT INTO probe_tokens (token_hash, probe_id, region, created_at, revoked_at)
        VALUES (?, ?, ?, ?, NULL)`).run(tokenHash, probeId, row.region, enrolledAt);
      return { ok: true, probe: { id: probeId, region: row.region, network: row.network, enrolledAt } };
    });
    return redeem.immediate();
  }

  listInvites(): ProbeInvite[] {
    const rows = this.db.prepare(`SELECT code_hash, region, network, created_at, expires_at, used_at, probe_id
      FROM probe_invites ORDER BY created_at DESC, code_hash`).all() as
      { code_hash: string; region: string; network: string; created_at: string; expires_at: string; used_at: string | null; probe_id: string | null }[];
    return rows.map((r) => ({ codeHash: r.code_hash, region: r.region, network: r.network, createdAt: r.created_at,
      expiresAt: r.expires_at, usedAt: r.used_at, probeId: r.probe_id }));
  }

  /** In one write transaction with redeemInvite's: a code is either redeemed or revoked, never both. */
  revokeInvite(codeHash: string, at: Date): boolean {
    const revoke = this.db.transaction((): boolean => {
      const row = this.db.prepare("SELECT expires_at, used_at FROM probe_invites WHERE code_hash = ?").get(codeHash) as
        { expires_at: string; used_at: string | null } | undefined;
      if (!row || row.used_at !== null || Date.parse(row.expires_at) <= at.getTime()) return false;
      this.db.prepare("UPDATE probe_invites SET expires_at = ? WHERE code_hash = ?").run(at.toISOString(), codeHash);
      return true;
    });
    return revoke.immediate();
  }

  getEnrolledProbe(id: string): EnrolledProbe | null {
    const row = this.db.prepare("SELECT id, region, network, enrolled_at FROM enrolled_probes WHERE id = ?").get(id) as
      { id: string; region: string; network: string; enrolled_at: string } | undefined;
    return row ? { id: row.id, region: row.region, network: row.network, enrolledAt: row.enrolled_at } : null;
  }

  saveHeartbeat(h: ProbeHeartbeat): void {
    this.db.prepare(`INSERT INTO probe_heartbeats (probe_id, received_at, json) VALUES (?, ?, ?)
      ON CONFLICT (probe_id) DO UPDATE SET received_at = excluded.received_at, json = excluded.json`)
      .run(h.probeId, h.receivedAt, JSON.stringify(h));
  }

  listHeartbeats(): ProbeHeartbeat[] {
    const rows = this.db.prepare("SELECT json FROM probe_heartbeats ORDER BY probe_id").pluck().all() as string[];
    return rows.map((j) => JSON.parse(j) as ProbeHeartbeat);
  }
}
