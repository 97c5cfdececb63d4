// What the analysts' layer keeps: user accounts, login sessions, notes and "verified by" on incidents, and
// the append-only audit log. Plain records, no driver types, so every Store backend speaks the same.

export const USER_ROLES = ["admin", "analyst", "viewer"] as const;
/** admin: everything, users and the audit log; analyst: notes and verification; viewer: read only. */
export type UserRole = (typeof USER_ROLES)[number];

export interface UserRecord {
  /** Login name: 2-32 of [a-z0-9._-], shown as the author of notes and verifications. */
  name: string;
  role: UserRole;
  /** scrypt$N$r$p$salt$hash (src/analysts/password.ts); the password itself is never stored. */
  passwordHash: string;
  /** sha256 hex of the user's read token (Bearer kwu_…, for a private dashboard's API), or null. */
  readTokenHash: string | null;
  createdAt: string;
  disabledAt: string | null;
}

/** A change to a user; undefined fields stay. A new password, role or disabling ends the user's sessions. */
export interface UserChange {
  role?: UserRole;
  passwordHash?: string;
  readTokenHash?: string | null;
  disabledAt?: string | null;
}

export interface SessionRecord {
  /** sha256 hex of the session id in the cookie; the id itself is never stored. */
  idHash: string;
  userName: string;
  createdAt: string;
  expiresAt: string;
}

export interface IncidentNote {
  id: number;
  incidentId: string;
  author: string;
  text: string;
  createdAt: string;
}

export interface IncidentVerification {
  incidentId: string;
  verifiedBy: string;
  verifiedAt: string;
}

/** One audit line: who did what to which subject, when. Never an address, a password or a token. */
export interface AuditEntry {
  seq: number;
  at: string;
  actor: string;
  action: string;
  subject: string;
  detail: string | null;
}

export type AuditInput = Omit<AuditEntry, "seq">;

export interface AuditQuery {
  since?: Date;
  until?: Date;
  limit?: number;
  offset?: number;
}
