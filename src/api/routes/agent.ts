// Agent endpoints (probe token): GET /agent/assignment says what an agent measures — targets with their
// lists and categories, schedule, resolvers, helper URLs — and POST /agent/heartbeat records its health
// (version, spool depth, clock offset, last round, last error) for the probes page. Who the probe is
// comes from the registry, never from the request.
import { createRoute } from "@hono/zod-openapi";
import { authenticateProbe } from "../auth.js";
import type { ResolvedDeps } from "../deps.js";
import { ApiError } from "../errors.js";
import { newRouter } from "../router.js";
import { assignmentSchema, errorResponses, errorSchema, heartbeatBodySchema } from "../schemas.js";
import { uploaderAddresses } from "../client-address.js";
import { addressFormsRegex } from "../../privacy/address-forms.js";
import { buildTargets } from "../../config/targets.js";
import type { TargetConfig } from "../../config/schema.js";
import { RegistryError, type RegisteredProbe } from "../../registry/probe-registry.js";
import type { Context } from "hono";

const refused = {
  401: { description: "Missing, unknown or revoked token", content: { "application/json": { schema: errorSchema } } },
  403: { description: "The token's probe is neither configured nor enrolled", content: { "application/json": { schema: errorSchema } } },
} as const;

export function agentRoutes(deps: ResolvedDeps) {
  const app = newRouter();
  let targets: TargetConfig[] | null = deps.targets ?? null;

  async function probeOf(c: Context): Promise<RegisteredProbe> {
    const token = await authenticateProbe(c, deps.store);
    try {
      return await deps.registry.whoIs(token);
    } catch (err) {
      if (err instanceof RegistryError) throw new ApiError(403, "forbidden", err.message);
      throw err;
    }
  }

  app.openapi(
    createRoute({
      method: "get",
      path: "/agent/assignment",
      summary: "What this probe measures: targets (list, category), schedule, resolvers, test helpers",
      security: [{ probeToken: [] }],
      responses: { 200: { description: "Assignment", content: { "application/json": { schema: assignmentSchema } } }, ...refused, ...errorResponses },
    }),
    async (c) => {
      const probe = await probeOf(c);
      targets ??= buildTargets(deps.config);
      const configured = deps.config.probes.find((p) => p.id === probe.probeId);
      const control = probe.role === "control";
      return c.json({
        probeId: probe.probeId,
        region: probe.region,
        network: probe.network,
        schedule: { cron: deps.config.schedule.cron, timeoutSeconds: deps.config.schedule.timeoutSeconds, concurrency: deps.config.schedule.concurrency },
        resolvers: {
          resolver: configured?.resolver ?? null,
          // As for workers: a control vantage's own answers are the reference; it compares with nothing.
          controlResolver: control ? null : deps.config.resolvers.control ?? null,
        },
        helpers: control ? [] : deps.config.helpers.map((h) => h.url),
        targets: targets.map((t) => ({ url: t.url, list: t.list, category: t.category, throughput: t.throughput })),
      }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/agent/heartbeat",
      summary: "Record this probe's health (version, spool depth, clock offset, last round, last error)",
      security: [{ probeToken: [] }],
      request: { body: { required: true, content: { "application/json": { schema: heartbeatBodySchema } } } },
      responses: { 204: { description: "Recorded" }, ...refused, ...errorResponses },
    }),
    async (c) => {
      const probe = await probeOf(c);
      const body = c.req.valid("json");
      // An error text may hold the volunteer's own address (a local bind error, say): it never reaches the store.
      const own = addressFormsRegex(uploaderAddresses(c, deps.config.server.trustProxy));
      const lastError = body.lastError === null ? null : own ? body.lastError.replace(own, "[address]") : body.lastError;
      await deps.store.saveHeartbeat({ probeId: probe.probeId, receivedAt: deps.clock().toISOString(), version: body.version,
        spoolDepth: body.spoolDepth, clockOffsetMs: body.clockOffsetMs, lastRoundAt: body.lastRoundAt, lastError });
      return c.body(null, 204);
    },
  );
  return app;
}
