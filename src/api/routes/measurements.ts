// POST /measurements: batch upload from volunteer agents. Bearer probe token; partial acceptance; at most
// maxUploadBytes of body (413 beyond). Accepted items go to the results queue, where redelivery is harmless
// because measurement ids are idempotency keys.
import { createRoute } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { authenticateProbe } from "../auth.js";
import type { ProbeToken } from "../../store/store.js";
import type { ResolvedDeps } from "../deps.js";
import { ApiError } from "../errors.js";
import { UPLOAD_ITEMS, uploadLimits } from "../limits/index.js";
import { newRouter } from "../router.js";
import { errorResponses, errorSchema, uploadBodySchema, uploadResponseSchema } from "../schemas.js";
import { addressFormsRegex, isAnonymousAddress, parseAddress } from "../../privacy/address-forms.js";
import { ProbeRegistry, RegistryError, type RegisteredProbe } from "../../registry/probe-registry.js";
import { uploaderAddresses } from "../client-address.js";
import { checkUpload } from "../upload.js";
import { buildTargets } from "../../config/targets.js";
import { normalizeUrl } from "../../config/whitelist.js";

const MAX_ITEMS = 10_000;

/** The configured or enrolled probe a valid token speaks for; 403 when the server no longer has it. */
async function registeredProbe(registry: ProbeRegistry, token: ProbeToken): Promise<RegisteredProbe> {
  try {
    return await registry.whoIs(token);
  } catch (err) {
    if (err instanceof RegistryError) throw new ApiError(403, "forbidden", err.message);
    throw err;
  }
}

export function measurementsRoutes(deps: ResolvedDeps) {
  const app = newRouter<{ Variables: { probeToken: ProbeToken; [UPLOAD_ITEMS]?: number } }>();
  // Built on the first upload, like the agents' assignment (GET /agent/assignment) the same targets feed.
  let lists: Map<string, { list: "whitelisted" | "non_whitelisted"; category: string }> | null = null;
  const targetLists = () => (lists ??= new Map((deps.targets ?? buildTargets(deps.config))
    .map((t) => [normalizeUrl(t.url), { list: t.list, category: t.category }])));
  const mib = (deps.options.maxUploadBytes / (1024 * 1024)).toFixed(1);
  // Authenticate before reading a possibly large body; then cap the body while it streams in.
  app.post("/measurements", async (c, next) => {
    c.set("probeToken", await authenticateProbe(c, deps.store));
    // Never inflated (a gzip bomb stays a few bytes to us); said plainly instead of "Malformed JSON".
    const encoding = c.req.header("Content-Encoding");
    if (encoding !== undefined && encoding.trim().toLowerCase() !== "identity") {
      throw new ApiError(415, "unsupported_media_type", "Content-Encoding is not accepted: send the JSON uncompressed (at most 5 MiB a batch)");
    }
    await next();
  });
  app.use("/measurements", ...uploadLimits(deps));
  app.use(
    "/measurements",
    bodyLimit({
      maxSize: deps.options.maxUploadBytes,
      onError: () => {
        throw new ApiError(413, "payload_too_large", `upload larger than ${mib} MiB; send smaller batches`);
      },
    }),
  );
  app.openapi(
    createRoute({
      method: "post",
      path: "/measurements",
      summary: "Upload a batch of measurements (probe token); valid items are accepted, invalid ones listed",
      security: [{ probeToken: [] }],
      request: { body: { required: true, content: { "application/json": { schema: uploadBodySchema } } } },
      responses: {
        202: { description: "Accepted items queued", content: { "application/json": { schema: uploadResponseSchema } } },
        401: { description: "Missing, unknown or revoked token", content: { "application/json": { schema: errorSchema } } },
        403: { description: "The token's probe is not (or no longer) in the server's configuration", content: { "application/json": { schema: errorSchema } } },
        413: { description: "Body too large", content: { "application/json": { schema: errorSchema } } },
        415: { description: "A compressed body (Content-Encoding): send the JSON uncompressed", content: { "application/json": { schema: errorSchema } } },
        429: { description: "This token is over its upload rate or concurrency; retry after Retry-After seconds", content: { "application/json": { schema: errorSchema } } },
        503: { description: "Queue unavailable or server busy; retry after Retry-After seconds", content: { "application/json": { schema: errorSchema } } },
        ...errorResponses,
      },
    }),
    async (c) => {
      const token = c.get("probeToken");
      const body = c.req.valid("json");
      const items = Array.isArray(body) ? body : body.measurements;
      c.set(UPLOAD_ITEMS, items.length);
      if (items.length > MAX_ITEMS) {
        throw new ApiError(413, "payload_too_large", `more than ${MAX_ITEMS} measurements in one batch`);
      }
      const probe = await registeredProbe(deps.registry, token);
      // The address is used for this request only: turned into a scrub pattern, never stored or logged.
      const addresses = uploaderAddresses(c, deps.config.server.trustProxy)
        .filter((a) => { const p = parseAddress(a); return p !== null && !isAnonymousAddress(p); });
      const verdict = await checkUpload(items, {
        probe,
        receivedAt: deps.clock(),
        maxClockSkewMs: deps.config.server.maxClockSkewSeconds * 1000,
        uploader: addressFormsRegex(addresses),
        judgeAttribution: (a, p) => deps.attributor.judge(a, p),
        targetLists: targetLists(),
      });
      if (verdict.accepted.length > 0) {
        try {
          await deps.enqueueResults(verdict.accepted);
        } catch (err) {
          deps.reportError(err);
          // Nothing of this batch is accepted: the agent keeps it spooled and retries.
          throw new ApiError(503, "unavailable", "results queue unavailable; retry later", { "Retry-After": "30" });
        }
      }
      deps.metrics.recordUpload(verdict.accepted.length, verdict.rejected.length);
      return c.json({ accepted: verdict.accepted.length, rejected: verdict.rejected }, 202);
    },
  );
  return app;
}
