// Agent endpoints (probe token): GET /agent/assignment says what an agent measures — targets with their
// lists and categories, schedule, resolvers, helper URLs — and POST /agent/heartbeat records its health
// (version, spool depth, clock offset, last round, last error) for the probes page. Who the probe is
// comes from the registry, never from the request. GET /agent/whoami (and both answers above) names the
// network — AS and country — of the address the request came from, sealed; the address is looked up and
// forgotten: never returned, stored, logged or counted.
import { createRoute } from "@hono/zod-openapi";
import { authenticateProbe } from "../auth.js";
import type { ResolvedDeps } from "../deps.js";
import { ApiError } from "../errors.js";
import { newRouter } from "../router.js";
import { assignmentSchema, errorResponses, errorSchema, heartbeatAnswerSchema, heartbeatBodySchema, networkAnswerSchema } from "../schemas.js";
import { clientAddress, uploaderAddresses } from "../client-address.js";
import { TokenBuckets } from "../limits/token-bucket.js";
import { tooManyRequests } from "../limits/responses.js";
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

  // Per token, like uploads (their own bucket: agent calls never eat the upload budget).
  const requests = new TokenBuckets(deps.config.uploads.requestsPerMinute, 60_000);

  async function probeOf(c: Context): Promise<RegisteredProbe> {
    const token = await authenticateProbe(c, deps.store);
    const r = requests.take(token.tokenHash);
    if (!r.ok) {
      deps.metrics.recordUploadRefusal("token_requests");
      throw tooManyRequests(`more than ${deps.config.uploads.requestsPerMinute} agent requests a minute for this token`, r.retryAfterMs);
    }
    try {
      return await deps.registry.whoIs(token);
    } catch (err) {
      if (err instanceof RegistryError) throw new ApiError(403, "forbidden", err.message);
      throw err;
    }
  }

  /** The sealed network of the request's address; the address is a local of this call only. */
  function networkOf(c: Context, probe: RegisteredProbe) {
    return deps.attributor.answer(probe.probeId, clientAddress(c, deps.config.server.trustProxy), deps.clock());
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
        attribution: await networkOf(c, probe),
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
      responses: { 200: { description: "Recorded; the network of the address it came from", content: { "application/json": { schema: heartbeatAnswerSchema } } }, ...refused, ...errorResponses },
    }),
    async (c) => {
      const probe = await probeOf(c);
      const body = c.req.valid("json");
      // An error text may hold the volunteer's own address (a local bind error, say): it never reaches the store.
      const own = addressFormsRegex(uploaderAddresses(c, deps.config.server.trustProxy));
      const lastError = body.lastError === null ? null : own ? body.lastError.replace(own, "[address]") : body.lastError;
      await deps.store.saveHeartbeat({ probeId: probe.probeId, receivedAt: deps.clock().toISOString(), version: body.version,
        spoolDepth: body.spoolDepth, clockOffsetMs: body.clockOffsetMs, lastRoundAt: body.lastRoundAt, lastError });
      return c.json({ attribution: await networkOf(c, probe) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/agent/whoami",
      summary: "The network (AS number and name, country) of the address this request came from, sealed for this probe",
      security: [{ probeToken: [] }],
      responses: { 200: { description: "Network", content: { "application/json": { schema: networkAnswerSchema } } }, ...refused, ...errorResponses },
    }),
    async (c) => c.json(await networkOf(c, await probeOf(c)), 200),
  );
  return app;
}
