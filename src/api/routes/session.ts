// Sign in and out: POST /api/v1/session (name + password → HttpOnly session cookie and the CSRF token),
// GET (who am I), DELETE (sign out). Wrong passwords are limited per login name (here) and per client
// (authFailureLimit, mounted on this path in app.ts); a limited attempt gets 429 before the password is
// looked at. Every sign-in makes a fresh session id, whatever cookie came with it (no session fixation).
import { createRoute } from "@hono/zod-openapi";
import { createHash } from "node:crypto";
import { verifyAgainstDummy, verifyPassword } from "../../analysts/password.js";
import type { ResolvedDeps } from "../deps.js";
import { ApiError } from "../errors.js";
import { TokenBuckets } from "../limits/token-bucket.js";
import { tooManyRequests } from "../limits/responses.js";
import { newRouter } from "../router.js";
import { errorResponses, errorSchema, loginBodySchema, sessionResponseSchema } from "../schemas.js";
import { checkOrigin, csrfTokenFor, isHttps, newSessionId, requireUser, sessionCookie, sessionCookieName, sessionHash, type UserEnv } from "../session-auth.js";

const json = (description: string) => ({ description, content: { "application/json": { schema: errorSchema } } });

/** Wrong passwords allowed per login name per 15 minutes before sign-ins to that name wait. */
export const LOGIN_FAILURES_PER_NAME = 5;

export function sessionRoutes(deps: ResolvedDeps) {
  const app = newRouter<UserEnv>();
  const publicUrl = deps.config.server.publicUrl;
  const perName = new TokenBuckets(LOGIN_FAILURES_PER_NAME, 15 * 60_000);

  app.openapi(
    createRoute({
      method: "post",
      path: "/session",
      summary: "Sign in: sets an HttpOnly session cookie and returns the CSRF token for writes",
      security: [],
      request: { body: { required: true, content: { "application/json": { schema: loginBodySchema } } } },
      responses: {
        200: { description: "Signed in", content: { "application/json": { schema: sessionResponseSchema } } },
        401: json("Wrong name or password, or a disabled account"),
        403: json("Cross-origin request"),
        429: json("Too many wrong passwords; wait Retry-After seconds"),
        ...errorResponses,
      },
    }),
    async (c) => {
      checkOrigin(c, publicUrl);
      const { name, password } = c.req.valid("json");
      const key = createHash("sha256").update(name.toLowerCase()).digest("base64url");
      const wait = perName.waitMs(key);
      if (wait > 0) throw tooManyRequests("too many wrong passwords for this account; wait before trying again", wait);
      const user = await deps.store.getUser(name);
      const ok = user ? await verifyPassword(password, user.passwordHash) : await verifyAgainstDummy(password);
      if (!ok || !user || user.disabledAt !== null) {
        if (!ok) perName.charge(key, 1);
        throw new ApiError(401, "unauthorized", "wrong name or password");
      }
      const id = newSessionId();
      const now = deps.clock();
      const hours = deps.config.server.sessionHours;
      await deps.store.createSession(
        { idHash: sessionHash(id), userName: user.name, createdAt: now.toISOString(), expiresAt: new Date(now.getTime() + hours * 3_600_000).toISOString() },
        { at: now.toISOString(), actor: user.name, action: "session.login", subject: user.name, detail: null },
      );
      c.header("Set-Cookie", sessionCookie(c, publicUrl, id, Math.round(hours * 3600)));
      c.header("Cache-Control", "no-store");
      return c.json({ user: { name: user.name, role: user.role }, csrfToken: csrfTokenFor(id) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/session",
      summary: "The signed-in user (null when nobody is) and the session's CSRF token",
      security: [],
      responses: { 200: { description: "Session", content: { "application/json": { schema: sessionResponseSchema } } } },
    }),
    async (c) => {
      const user = c.get("user");
      c.header("Cache-Control", "no-store");
      return c.json({ user: user ? { name: user.name, role: user.role } : null, csrfToken: user?.csrfToken ?? null }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: "/session",
      summary: "Sign out (needs X-CSRF-Token)",
      security: [],
      responses: {
        204: { description: "Signed out" },
        401: json("Not signed in"),
        403: json("Cross-origin request or missing CSRF token"),
      },
    }),
    async (c) => {
      const user = requireUser(c, "viewer", publicUrl);
      const now = deps.clock().toISOString();
      if (user.sessionHash) await deps.store.deleteSession(user.sessionHash, { at: now, actor: user.name, action: "session.logout", subject: user.name, detail: null });
      const secure = isHttps(c, publicUrl);
      c.header("Set-Cookie", `${sessionCookieName(secure)}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0${secure ? "; Secure" : ""}`);
      return c.body(null, 204);
    },
  );
  return app;
}
