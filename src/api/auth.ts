// Bearer-token checks. Tokens are only ever compared and stored as sha256 hashes; comparison is constant-time
// so response timing does not leak how much of a guess was right.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { Context, MiddlewareHandler } from "hono";
import type { ProbeToken, Store } from "../store/store.js";
import { ApiError } from "./errors.js";

export function sha256Hex(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

/** Compares two sha256 hex digests in constant time (false for anything not 64 hex chars). */
export function hashesEqual(a: string, b: string): boolean {
  if (!/^[0-9a-f]{64}$/.test(a) || !/^[0-9a-f]{64}$/.test(b)) return false;
  return timingSafeEqual(Buffer.from(a, "hex"), Buffer.from(b, "hex"));
}

/** A fresh probe token: 256 random bits, prefixed so it is recognisable in a config file or a leak scan. */
export function newProbeToken(): string {
  return `kwp_${randomBytes(32).toString("base64url")}`;
}

function unauthorized(message: string): ApiError {
  return new ApiError(401, "unauthorized", message, { "WWW-Authenticate": 'Bearer realm="keepwatch"' });
}

export function bearerToken(c: Context): string {
  const header = c.req.header("authorization") ?? "";
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!m?.[1]) throw unauthorized("missing bearer token");
  return m[1];
}

/** The admin hashes accepted: the configured sha256 and/or the hash of the plain env token. */
export function adminHashes(configHash: string | undefined, plainToken: string | undefined): string[] {
  const out: string[] = [];
  if (configHash) out.push(configHash);
  if (plainToken) out.push(sha256Hex(plainToken));
  return out;
}

export function requireAdmin(hashes: string[]): MiddlewareHandler {
  return async function requireAdmin(c, next) {
    if (hashes.length === 0) {
      throw new ApiError(403, "forbidden", "admin API disabled: set server.adminTokenHash or KEEPWATCH_ADMIN_TOKEN");
    }
    const presented = sha256Hex(bearerToken(c));
    // Check every configured hash so timing does not reveal which one matched.
    let ok = false;
    for (const h of hashes) ok = hashesEqual(presented, h) || ok;
    if (!ok) throw unauthorized("invalid admin token");
    await next();
  };
}

/** Resolves the probe token of a request, or throws 401. The store lookup is by hash, never by plain token. */
export async function authenticateProbe(c: Context, store: Store): Promise<ProbeToken> {
  const hash = sha256Hex(bearerToken(c));
  const token = await store.findProbeToken(hash);
  if (!token || token.revokedAt !== null || !hashesEqual(hash, token.tokenHash)) {
    throw unauthorized("invalid or revoked probe token");
  }
  return token;
}
