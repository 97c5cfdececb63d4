// Enrollment: an admin creates a one-time invite (POST /admin/invites); a volunteer's agent redeems it
// (POST /enroll) and gets a newly registered probe and its token. A wrong, used or expired code is a 401,
// so the same failed-token limit as uploads slows a brute force (app.ts mounts it on /enroll).
import { createRoute } from "@hono/zod-openapi";
import { adminHashes, newProbeToken, requireAdmin, sha256Hex } from "../auth.js";
import type { ResolvedDeps } from "../deps.js";
import { ApiError } from "../errors.js";
import { newRouter } from "../router.js";
import { enrollBodySchema, enrollResponseSchema, errorResponses, errorSchema, inviteBodySchema, inviteIdParam, inviteListSchema, inviteResponseSchema, inviteViewSchema } from "../schemas.js";
import { identityOfEnrolled, RegistryError } from "../../registry/probe-registry.js";
import { INVITE_CODE_PATTERN, inviteCodeHash, inviteView, issueInvite, newEnrolledProbeId, parseInviteTtl, revokeInviteById } from "../../registry/invites.js";

const unauthorized = { description: "Missing or wrong token or code", content: { "application/json": { schema: errorSchema } } };
const REFUSALS = {
  unknown: "unknown enrollment code; ask the operator for a new one",
  used: "this enrollment code was already used; ask the operator for a new one",
  expired: "this enrollment code has expired; ask the operator for a new one",
} as const;

export function enrollRoutes(deps: ResolvedDeps) {
  const app = newRouter();
  const admin = requireAdmin(adminHashes(deps.config.server.adminTokenHash, deps.adminToken));
  app.use("/admin/invites", admin);
  app.use("/admin/invites/*", admin);

  app.openapi(
    createRoute({
      method: "get",
      path: "/admin/invites",
      summary: "List invites: region, network, created, expires, status, the probe that used it (never the code)",
      security: [{ adminToken: [] }],
      responses: { 200: { description: "Invites, newest first", content: { "application/json": { schema: inviteListSchema } } }, 401: unauthorized, ...errorResponses },
    }),
    async (c) => {
      const now = deps.clock();
      return c.json({ invites: (await deps.store.listInvites()).map((i) => inviteView(i, now)) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: "/admin/invites/{id}",
      summary: "Revoke an unused invite (it expires now; a used one is refused: revoke its probe's tokens)",
      security: [{ adminToken: [] }],
      request: { params: inviteIdParam },
      responses: {
        200: { description: "Revoked", content: { "application/json": { schema: inviteViewSchema } } },
        401: unauthorized,
        404: { description: "No such invite", content: { "application/json": { schema: errorSchema } } },
        409: { description: "Already used or expired", content: { "application/json": { schema: errorSchema } } },
        ...errorResponses,
      },
    }),
    async (c) => {
      const r = await revokeInviteById(deps.store, c.req.valid("param").id, deps.clock());
      if (r.ok) return c.json(r.invite, 200);
      if (r.reason === "malformed") throw new ApiError(400, "bad_request", r.message);
      if (r.reason === "unknown") throw new ApiError(404, "not_found", r.message);
      throw new ApiError(409, "conflict", r.message);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/admin/invites",
      summary: "Create a one-time enrollment code for a region and network (shown once)",
      security: [{ adminToken: [] }],
      request: { body: { required: true, content: { "application/json": { schema: inviteBodySchema } } } },
      responses: {
        201: { description: "Invite", content: { "application/json": { schema: inviteResponseSchema } } },
        401: unauthorized,
        ...errorResponses,
      },
    }),
    async (c) => {
      const body = c.req.valid("json");
      try {
        const ttlMs = body.expires === undefined ? undefined : parseInviteTtl(body.expires);
        const invite = await issueInvite(deps.store, deps.config, { region: body.region, network: body.network, ...(ttlMs && { ttlMs }) }, deps.clock());
        return c.json(invite, 201);
      } catch (err) {
        if (err instanceof RegistryError) throw new ApiError(400, "bad_request", err.message);
        throw err;
      }
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/enroll",
      summary: "Redeem an enrollment code: registers a probe and returns its upload token (shown once)",
      request: { body: { required: true, content: { "application/json": { schema: enrollBodySchema } } } },
      responses: {
        201: { description: "Enrolled", content: { "application/json": { schema: enrollResponseSchema } } },
        401: unauthorized,
        429: { description: "Too many failed codes; retry after Retry-After seconds", content: { "application/json": { schema: errorSchema } } },
        ...errorResponses,
      },
    }),
    async (c) => {
      const { code } = c.req.valid("json");
      // A malformed code is a failed guess too (401, counted), never a store lookup.
      if (!INVITE_CODE_PATTERN.test(code)) throw new ApiError(401, "unauthorized", REFUSALS.unknown);
      const token = newProbeToken();
      const hash = inviteCodeHash(code);
      // The region and network come from the invite; the id is new (never a configured probe's), and a
      // clash with an enrolled one (2^-48) is retried once.
      for (let attempt = 0; ; attempt++) {
        let probeId = newEnrolledProbeId();
        while (deps.registry.get(probeId)) probeId = newEnrolledProbeId();
        try {
          const r = await deps.store.redeemInvite(hash, deps.clock(), probeId, sha256Hex(token));
          if (!r.ok) throw new ApiError(401, "unauthorized", REFUSALS[r.reason]);
          const who = identityOfEnrolled(deps.config, r.probe);
          return c.json({ probeId: who.probeId, region: who.region, network: who.network, token }, 201);
        } catch (err) {
          if (attempt === 0 && err instanceof Error && /UNIQUE constraint/.test(err.message)) continue;
          throw err;
        }
      }
    },
  );
  return app;
}
