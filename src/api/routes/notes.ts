// Analysts' notes and the "verified by" mark on incidents. Reading them is as public as the incident itself;
// writing needs an analyst (or admin) session with the CSRF token. Notes are plain text, stored as written
// and escaped wherever they are shown; a correction is a new note (nothing is edited or deleted).
import { createRoute } from "@hono/zod-openapi";
import type { ResolvedDeps } from "../deps.js";
import { ApiError } from "../errors.js";
import { newRouter } from "../router.js";
import { errorResponses, errorSchema, incidentIdParam, noteBodySchema, noteSchema, notesResponseSchema, verificationSchema } from "../schemas.js";
import { requireUser, type UserEnv } from "../session-auth.js";

const err = (description: string) => ({ description, content: { "application/json": { schema: errorSchema } } });
const writeErrors = { 401: err("Not signed in"), 403: err("Not an analyst, a read token, cross-origin, or no CSRF token"), 404: err("Unknown incident"), ...errorResponses };
const cookie = [{ sessionCookie: [] }];

export function notesRoutes(deps: ResolvedDeps) {
  const app = newRouter<UserEnv>();
  const publicUrl = deps.config.server.publicUrl;
  const incidentOr404 = async (id: string) => {
    const incident = await deps.store.getIncident(id);
    if (!incident) throw new ApiError(404, "not_found", `unknown incident ${id}`);
    return incident;
  };

  app.openapi(
    createRoute({
      method: "get",
      path: "/incidents/{id}/notes",
      summary: "Analysts' notes on an incident (oldest first) and its verification",
      request: { params: incidentIdParam },
      responses: { 200: { description: "Notes", content: { "application/json": { schema: notesResponseSchema } } }, 404: err("Unknown incident") },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      await incidentOr404(id);
      const [notes, verification] = await Promise.all([deps.store.listIncidentNotes(id), deps.store.getIncidentVerification(id)]);
      c.header("Cache-Control", "no-cache");
      return c.json({ notes, verification }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/incidents/{id}/notes",
      summary: "Add a note (analyst or admin session, X-CSRF-Token)",
      security: cookie,
      request: { params: incidentIdParam, body: { required: true, content: { "application/json": { schema: noteBodySchema } } } },
      responses: { 201: { description: "The note", content: { "application/json": { schema: noteSchema } } }, ...writeErrors },
    }),
    async (c) => {
      const user = requireUser(c, "analyst", publicUrl);
      const { id } = c.req.valid("param");
      await incidentOr404(id);
      const { text } = c.req.valid("json");
      const at = deps.clock().toISOString();
      const note = await deps.store.addIncidentNote({ incidentId: id, author: user.name, text, createdAt: at }, { at, actor: user.name, action: "note.add", subject: id, detail: null });
      return c.json(note, 201);
    },
  );

  app.openapi(
    createRoute({
      method: "put",
      path: "/incidents/{id}/verification",
      summary: "Mark the incident verified by the signed-in analyst, now",
      security: cookie,
      request: { params: incidentIdParam },
      responses: { 200: { description: "Verification", content: { "application/json": { schema: verificationSchema } } }, ...writeErrors },
    }),
    async (c) => {
      const user = requireUser(c, "analyst", publicUrl);
      const { id } = c.req.valid("param");
      await incidentOr404(id);
      const at = deps.clock().toISOString();
      await deps.store.setIncidentVerification(id, { verifiedBy: user.name, verifiedAt: at }, { at, actor: user.name, action: "incident.verify", subject: id, detail: null });
      return c.json({ incidentId: id, verifiedBy: user.name, verifiedAt: at }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: "/incidents/{id}/verification",
      summary: "Withdraw the incident's verification",
      security: cookie,
      request: { params: incidentIdParam },
      responses: { 204: { description: "Withdrawn" }, ...writeErrors },
    }),
    async (c) => {
      const user = requireUser(c, "analyst", publicUrl);
      const { id } = c.req.valid("param");
      await incidentOr404(id);
      const at = deps.clock().toISOString();
      await deps.store.setIncidentVerification(id, null, { at, actor: user.name, action: "incident.unverify", subject: id, detail: null });
      return c.body(null, 204);
    },
  );
  return app;
}
