// A private dashboard (server.private): pages, read endpoints and the event stream need a signed-in user.
// Pages send the browser to /login (coming back afterwards); API calls get 401. What machines and the login
// itself need stays open: uploads and agent calls (probe tokens), enrollment, admin token calls, health,
// /metrics (scraped by Prometheus; keep it behind the firewall), the login page, its assets and /session.
import type { MiddlewareHandler } from "hono";
import { ApiError } from "./errors.js";
import type { UserEnv } from "./session-auth.js";

const OPEN = [
  /^\/login\/?$/, /^\/(kk|ru|en)\/login\/?$/, /^\/assets\//, /^\/api\/v1\/session$/, /^\/api\/v1\/measurements$/,
  /^\/api\/v1\/agent\//, /^\/api\/v1\/enroll$/, /^\/api\/v1\/admin\//, /^\/api\/v1\/openapi\.json$/,
  /^\/(livez|healthz|readyz|metrics)$/,
];

export function privateGate(enabled: boolean): MiddlewareHandler<UserEnv> {
  return async function privateGate(c, next) {
    if (!enabled) return next();
    if (c.get("user") || OPEN.some((re) => re.test(c.req.path))) {
      await next();
      // Signed-in answers are for this reader only: no shared cache may keep them.
      const cc = c.res.headers.get("Cache-Control");
      if (cc?.includes("public")) c.res.headers.set("Cache-Control", cc.replace("public", "private"));
      return;
    }
    if (c.req.path.startsWith("/api/") || c.req.method !== "GET") {
      throw new ApiError(401, "unauthorized", "this dashboard is private: sign in at /login or send a read token", { "WWW-Authenticate": 'Bearer realm="keepwatch"' });
    }
    const back = c.req.path + (new URL(c.req.url).search || "");
    return c.redirect(`/login?next=${encodeURIComponent(back)}`, 302);
  };
}
