// The roles one `keepwatch serve` process can run. Several processes (on one machine or many) share one
// Redis and one store: any number may run api and collector; of the singleton roles exactly one process
// at a time is active, elected through a Redis lease (src/leader/lease.ts), the others wait as followers.
import { z } from "zod";

export const ROLES = ["api", "collector", "detector", "scheduler", "alerts"] as const;
export type Role = (typeof ROLES)[number];
/** Roles with exactly one active process: elected, with failover. */
export const SINGLETON_ROLES = ["detector", "scheduler", "alerts"] as const satisfies readonly Role[];
export type SingletonRole = (typeof SINGLETON_ROLES)[number];

export function isSingletonRole(role: Role): role is SingletonRole {
  return (SINGLETON_ROLES as readonly string[]).includes(role);
}

export const ROLES_MESSAGE = `roles: a comma-separated list of ${ROLES.join(", ")} (each at most once)`;

export class RolesError extends Error {
  override readonly name = "RolesError";
}

/** "api,collector" → ["api", "collector"] in ROLES order; unknown, empty or repeated names are refused. */
export function parseRoles(input: string | readonly string[]): Role[] {
  const names = (typeof input === "string" ? input.split(",") : [...input]).map((s) => s.trim());
  const unknown = names.filter((n) => !(ROLES as readonly string[]).includes(n));
  if (names.length === 0 || names.every((n) => n === "")) throw new RolesError(`no role given; ${ROLES_MESSAGE}`);
  if (unknown.length > 0) {
    const shown = unknown.map((n) => JSON.stringify(n.replace(/[^\x20-\x7e]/g, "?").slice(0, 32))).join(", ");
    throw new RolesError(`unknown role ${shown}; ${ROLES_MESSAGE}`);
  }
  if (new Set(names).size !== names.length) throw new RolesError(`a role is named twice; ${ROLES_MESSAGE}`);
  return ROLES.filter((r) => names.includes(r));
}

export const serveConfigSchema = z.object({
  /** What this process runs (`--roles` wins); default every role, as one machine needs. */
  roles: z.array(z.enum(ROLES)).min(1).default([...ROLES])
    .refine((r) => new Set(r).size === r.length, "a role is named twice"),
  /**
   * Lease of a singleton role's leader: a follower takes over at most about this long (plus a third of it)
   * after the leader dies or loses Redis. Default: 0.6 × the detector's pass interval, between 3 and 30 s,
   * so the takeover comes within one detector pass.
   */
  leaderLeaseSeconds: z.number().min(1).max(300).optional(),
});
export type ServeConfig = z.infer<typeof serveConfigSchema>;
