// The audit log, for admins: who did what, when (never an address). Read as JSON or CSV; there is no route
// that changes it, and the store refuses to update or delete its rows.
import { createRoute } from "@hono/zod-openapi";
import type { ResolvedDeps } from "../deps.js";
import { newRouter } from "../router.js";
import { auditQuerySchema, auditResponseSchema, errorResponses, errorSchema } from "../schemas.js";
import { requireUser, type UserEnv } from "../session-auth.js";
import { BOM } from "../csv.js";

const err = (description: string) => ({ description, content: { "application/json": { schema: errorSchema } } });
const errors = { 401: err("Not signed in"), 403: err("Not an admin"), ...errorResponses };
const cookie = [{ sessionCookie: [] }];

/** One CSV cell (RFC 4180), with the formula-injection guard of the measurement CSV. */
function cell(v: string | number | null): string {
  if (v === null) return "";
  let s = String(v);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function auditRoutes(deps: ResolvedDeps) {
  const app = newRouter<UserEnv>();
  const publicUrl = deps.config.server.publicUrl;
  const read = (q: { since?: string | undefined; until?: string | undefined; limit: number; offset: number }) =>
    deps.store.listAudit({ ...(q.since && { since: new Date(q.since) }), ...(q.until && { until: new Date(q.until) }), limit: q.limit + 1, offset: q.offset });

  app.openapi(
    createRoute({ method: "get", path: "/audit", summary: "The audit log, oldest first (admin)", security: cookie,
      request: { query: auditQuerySchema },
      responses: { 200: { description: "Entries", content: { "application/json": { schema: auditResponseSchema } } }, ...errors } }),
    async (c) => {
      requireUser(c, "admin", publicUrl);
      const q = c.req.valid("query");
      const rows = await read(q);
      c.header("Cache-Control", "no-store");
      return c.json({ entries: rows.slice(0, q.limit), nextOffset: rows.length > q.limit ? q.offset + q.limit : null }, 200);
    },
  );

  app.openapi(
    createRoute({ method: "get", path: "/audit.csv", summary: "The audit log as CSV: seq, at, actor, action, subject, detail (admin)", security: cookie,
      request: { query: auditQuerySchema.omit({ limit: true, offset: true }) },
      responses: { 200: { description: "CSV", content: { "text/csv": { schema: { type: "string" } } } }, ...errors } }),
    async (c) => {
      requireUser(c, "admin", publicUrl);
      const q = c.req.valid("query");
      const rows = await deps.store.listAudit({ ...(q.since && { since: new Date(q.since) }), ...(q.until && { until: new Date(q.until) }) });
      const body = BOM + "seq,at,actor,action,subject,detail\r\n" +
        rows.map((r) => [r.seq, r.at, r.actor, r.action, r.subject, r.detail].map(cell).join(",") + "\r\n").join("");
      return c.body(body, 200, {
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": 'attachment; filename="keepwatch-audit.csv"',
        "Cache-Control": "no-store",
      });
    },
  );
  return app;
}
