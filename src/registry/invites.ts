// Enrollment invites: an operator asks for a one-time code for a region and network; a volunteer's agent
// redeems it once, before it expires, and the server registers a probe with a generated id. Only the code's
// sha256 is stored. Shared by `keepwatch probes invite[s]` and /api/v1/admin/invites.
import { createHash, randomBytes } from "node:crypto";
import type { KeepWatchConfig } from "../config/schema.js";
import { canonicalRegionId } from "../config/regions.js";
import { idProblem } from "../ids.js";
import type { ProbeInvite, Store } from "../store/store.js";
import { RegistryError } from "./probe-registry.js";

export const DEFAULT_INVITE_TTL_MS = 7 * 24 * 3600_000;
const MAX_INVITE_TTL_MS = 90 * 24 * 3600_000;
const UNIT_MS = { m: 60_000, h: 3600_000, d: 24 * 3600_000 } as const;

/** The shape of a code, checked before any lookup: "kwi_" and 24 base64url characters (144 random bits). */
export const INVITE_CODE_PATTERN = /^kwi_[A-Za-z0-9_-]{24}$/;

export function inviteCodeHash(code: string): string {
  return createHash("sha256").update(code, "utf8").digest("hex");
}

/** "30m", "12h", "7d" → milliseconds, at most 90 days; RegistryError otherwise. */
export function parseInviteTtl(text: string): number {
  const m = /^([1-9][0-9]{0,4})([mhd])$/.exec(text.trim());
  if (!m) throw new RegistryError(`expiry must look like 30m, 12h or 7d, got "${text.slice(0, 20)}"`);
  const ms = Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
  if (ms > MAX_INVITE_TTL_MS) throw new RegistryError("an invite expires within 90 days");
  return ms;
}

export interface IssuedInvite {
  code: string;
  region: string;
  network: string;
  expiresAt: string;
}

/**
 * Stores a new invite and returns its code (shown once). The region and network must be in the
 * configuration: the server, not the volunteer, says where a probe is and what network it measures.
 */
export async function issueInvite(
  store: Pick<Store, "saveInvite">,
  config: KeepWatchConfig,
  req: { region: string; network: string; ttlMs?: number },
  now: Date,
): Promise<IssuedInvite> {
  const bad = idProblem("region", req.region) ?? idProblem("network", req.network);
  if (bad) throw new RegistryError(bad);
  const region = canonicalRegionId(req.region);
  if (!config.regions.some((r) => canonicalRegionId(r.id) === region)) {
    throw new RegistryError(`region ${region} is not in the server's configuration (regions:)`);
  }
  if (!config.networks.some((n) => n.id === req.network)) {
    throw new RegistryError(`network ${req.network} is not in the server's configuration (networks:)`);
  }
  const code = `kwi_${randomBytes(18).toString("base64url")}`;
  const expiresAt = new Date(now.getTime() + (req.ttlMs ?? DEFAULT_INVITE_TTL_MS)).toISOString();
  await store.saveInvite({ codeHash: inviteCodeHash(code), region, network: req.network, createdAt: now.toISOString(), expiresAt });
  return { code, region, network: req.network, expiresAt };
}

/** A fresh id for an enrolled probe: "probe-3f9a1c2b5e7d" (48 random bits; it says nothing about the volunteer). */
export function newEnrolledProbeId(): string {
  return `probe-${randomBytes(6).toString("hex")}`;
}

/** An invite as operators see it: an id (the first 12 hex digits of the code's hash), never the code. */
export interface InviteView {
  id: string;
  region: string;
  network: string;
  createdAt: string;
  expiresAt: string;
  status: "open" | "used" | "expired";
  usedAt: string | null;
  /** The probe it registered, once used. */
  probeId: string | null;
}

const INVITE_ID = /^[0-9a-f]{12}$/;

export function inviteView(i: ProbeInvite, now: Date): InviteView {
  const status = i.usedAt !== null ? "used" : Date.parse(i.expiresAt) <= now.getTime() ? "expired" : "open";
  return { id: i.codeHash.slice(0, 12), region: i.region, network: i.network, createdAt: i.createdAt, expiresAt: i.expiresAt,
    status, usedAt: i.usedAt, probeId: i.probeId };
}

export type InviteRevocation = { ok: true; invite: InviteView } | { ok: false; reason: "malformed" | "unknown" | "used" | "expired"; message: string };

/** Revokes the open invite with this id (listInvites' id). */
export async function revokeInviteById(store: Pick<Store, "listInvites" | "revokeInvite">, id: string, now: Date): Promise<InviteRevocation> {
  if (!INVITE_ID.test(id)) return { ok: false, reason: "malformed", message: "an invite id is 12 hex digits, as `keepwatch probes invites` lists it" };
  const invite = (await store.listInvites()).find((i) => i.codeHash.startsWith(id));
  if (!invite) return { ok: false, reason: "unknown", message: `no invite ${id}` };
  const view = inviteView(invite, now);
  if (view.status === "used") return { ok: false, reason: "used", message: `invite ${id} was already used by probe ${view.probeId}; revoke the probe instead (keepwatch probes revoke ${view.probeId})` };
  if (view.status === "expired" || !(await store.revokeInvite(invite.codeHash, now))) {
    return { ok: false, reason: "expired", message: `invite ${id} has expired already` };
  }
  return { ok: true, invite: { ...view, status: "expired", expiresAt: now.toISOString() } };
}
