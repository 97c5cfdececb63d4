// Admin: issue and revoke probe tokens. A token is bound to one configured probe and its region and shown
// once; the store keeps only its sha256. Ids are validated by the shared id schema (400 otherwise).
import { createRoute } from "@hono/zod-openapi";
import { adminHashes, newProbeToken, requireAdmin, sha256Hex } from "../auth.js";
import type { ResolvedDeps } from "../deps.js";
import { RegistryError } from "../../registry/probe-registry.js";
import { ApiError } from "../errors.js";
import { newRouter } from "../router.js";
import { errorResponses, errorSchema, issueTokenBodySchema, probeIdParam, revokeResponseSchema, tokenResponseSchema } from "../schemas.js";

const unauthorized = { description: "Missing or wrong admin token", content: { "application/json": { schema: errorSchema } } };

export function adminRoutes(deps: ResolvedDeps) {
  const app = newRouter();
  app.use("/admin/*", requireAdmin(adminHashes(deps.config.server.adminTokenHash, deps.adminToken)));

  app.openapi(
    createRoute({
      method: "post",
      path: "/admin/probes/{id}/tokens",
      summary: "Issue an upload token for a probe (shown once)",
      security: [{ adminToken: [] }],
      request: {
        params: probeIdParam,
        body: { required: false, content: { "application/json": { schema: issueTokenBodySchema } } },
      },
      responses: {
        201: { description: "Token", content: { "application/json": { schema: tokenResponseSchema } } },
        401: unauthorized,
        ...errorResponses,
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const body = c.req.valid("json") ?? {};
      let region: string;
      try {
        // Only probes the configuration has get tokens; the token is bound to the configured region.
        region = deps.registry.tokenTarget(id, body.region).region;
      } catch (err) {
        if (err instanceof RegistryError) throw new ApiError(400, "bad_request", err.message);
        throw err;
      }
      const token = newProbeToken();
      await deps.store.saveProbeToken({
        probeId: id,
        region,
        tokenHash: sha256Hex(token),
        createdAt: deps.clock().toISOString(),
        revokedAt: null,
      });
      return c.json({ token, probeId: id, region }, 201);
    },
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: "/admin/probes/{id}/tokens",
      summary: "Revoke every token of a probe",
      security: [{ adminToken: [] }],
      request: { params: probeIdParam },
      responses: {
        200: { description: "Number of tokens revoked", content: { "application/json": { schema: revokeResponseSchema } } },
        401: unauthorized,
        ...errorResponses,
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const revoked = await deps.store.revokeProbeToken(id, deps.clock());
      return c.json({ revoked }, 200);
    },
  );
  return app;
}
