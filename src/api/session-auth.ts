// Who is asking: a login session (HttpOnly cookie) or a user's read token (Bearer kwu_…), or nobody. Sets
// c.var.user for the routes; requireRole() guards writes. Writes with a session need the CSRF token (a hash
// of the session id, so only a page that was given it can send it) and, when the browser names one, this
// server's own Origin; SameSite=Strict keeps the cookie off cross-site requests in the first place. Read
// tokens only ever read: they are for scripts and feeds of a private dashboard, not for writing.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { Context, MiddlewareHandler } from "hono";
import { getCookie } from "hono/cookie";
import type { UserRole } from "../store/analyst-records.js";
import type { ResolvedDeps } from "./deps.js";
import { ApiError } from "./errors.js";

export interface SignedInUser {
  name: string;
  role: UserRole;
  /** "session": a browser login (CSRF rules apply); "token": a read token (reads only). */
  via: "session" | "token";
  /** The session id's sha256 (to log out), null for a token. */
  sessionHash: string | null;
  /** What the page must send as X-CSRF-Token with a write, null for a token. */
  csrfToken: string | null;
}

export type UserEnv = { Variables: { user: SignedInUser | null } };

const sha256Hex = (s: string) => createHash("sha256").update(s, "utf8").digest("hex");

export const newSessionId = (): string => randomBytes(32).toString("base64url");
export const sessionHash = (id: string): string => sha256Hex(`session\0${id}`);
export const csrfTokenFor = (id: string): string => createHash("sha256").update(`csrf\0${id}`).digest("base64url");

/** Whether cookies get Secure (and the __Host- prefix): the public URL is https, or this request came over https. */
export function isHttps(c: Context, publicUrl: string | undefined): boolean {
  if (publicUrl?.startsWith("https://")) return true;
  return new URL(c.req.url).protocol === "https:";
}

export function sessionCookieName(secure: boolean): string {
  // __Host-: the browser refuses it unless Secure, Path=/ and without Domain, so a sibling subdomain cannot
  // plant one (a session-fixation path) and it is never sent over plain http.
  return secure ? "__Host-kw_session" : "kw_session";
}

export function sessionCookie(c: Context, publicUrl: string | undefined, id: string, maxAgeSeconds: number): string {
  const secure = isHttps(c, publicUrl);
  return `${sessionCookieName(secure)}=${id}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure ? "; Secure" : ""}`;
}

/** This server's origin as browsers name it in Origin headers: the public URL's, else the request's. */
export function ownOrigin(c: Context, publicUrl: string | undefined): string {
  return new URL(publicUrl ?? c.req.url).origin;
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Refuses a cross-origin write: an Origin header (sent by every current browser on POST) that is not ours. */
export function checkOrigin(c: Context, publicUrl: string | undefined): void {
  const origin = c.req.header("origin");
  if (origin !== undefined && origin !== ownOrigin(c, publicUrl)) {
    throw new ApiError(403, "forbidden", "cross-origin request refused");
  }
}

const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/** Resolves c.var.user from the session cookie or a Bearer kwu_ token. An unknown read token answers 401. */
export function identify(deps: ResolvedDeps): MiddlewareHandler<UserEnv> {
  const publicUrl = deps.config.server.publicUrl;
  return async function identify(c, next) {
    c.set("user", null);
    const auth = c.req.header("authorization") ?? "";
    const bearer = /^Bearer\s+(kwu_\S+)\s*$/i.exec(auth)?.[1];
    if (bearer) {
      const user = await deps.store.findUserByReadToken(sha256Hex(bearer));
      if (!user || user.disabledAt !== null) throw new ApiError(401, "unauthorized", "invalid or disabled read token", { "WWW-Authenticate": 'Bearer realm="keepwatch"' });
      c.set("user", { name: user.name, role: user.role, via: "token", sessionHash: null, csrfToken: null });
      return next();
    }
    const id = getCookie(c, sessionCookieName(isHttps(c, publicUrl)));
    if (id && /^[A-Za-z0-9_-]{43}$/.test(id)) {
      const hash = sessionHash(id);
      const session = await deps.store.getSession(hash);
      if (session && Date.parse(session.expiresAt) > deps.clock().getTime()) {
        const user = await deps.store.getUser(session.userName);
        if (user && user.disabledAt === null) {
          c.set("user", { name: user.name, role: user.role, via: "session", sessionHash: hash, csrfToken: csrfTokenFor(id) });
        }
      }
    }
    return next();
  };
}

const RANK: Record<UserRole, number> = { viewer: 0, analyst: 1, admin: 2 };

/**
 * The signed-in user with at least `role`, or a 401/403. A write must come from a session with the CSRF
 * token and from this origin; a read token is refused for writes.
 */
export function requireUser(c: Context<UserEnv>, role: UserRole, publicUrl: string | undefined): SignedInUser {
  const user = c.get("user");
  if (!user) throw new ApiError(401, "unauthorized", "sign in first");
  if (RANK[user.role] < RANK[role]) throw new ApiError(403, "forbidden", `needs the ${role} role`);
  if (UNSAFE.has(c.req.method)) {
    if (user.via !== "session") throw new ApiError(403, "forbidden", "read tokens cannot write; sign in");
    checkOrigin(c, publicUrl);
    const sent = c.req.header("x-csrf-token") ?? "";
    if (!user.csrfToken || !sameText(sent, user.csrfToken)) throw new ApiError(403, "forbidden", "missing or wrong X-CSRF-Token");
  }
  return user;
}
