// The test helper's HTTP face: POST /control (mounted under /api/v1) answers "what do you see for this URL".
// In order, before any measuring: a probe token (401), its rate limit (429), the body cap (413), the
// request's shape (zod, 400), the URL's policy (400) and the in-flight cap (503). Mounted alone by
// `keepwatch helper` (helperApp) or inside `keepwatch serve` (helperRoutes on the main app).
import { readFileSync } from "node:fs";
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { createBogonMatcher } from "../../probes/bogons.js";
import { controlRequestSchema } from "../../probes/control-types.js";
import { bearerToken, sha256Hex } from "../api/auth.js";
import { ApiError, errorResponse, handleError, type ErrorReporter } from "../api/errors.js";
import type { HelperConfig } from "../config/schema.js";
import { measureForControl, type HelperMeasureSettings } from "./measure.js";
import { createAddressPolicy, parseControlUrl, RefusedRequest } from "./policy.js";
import { TokenBucketLimiter } from "./rate-limit.js";
import type { HelperCaller, HelperTokenSource } from "./tokens.js";

export interface HelperDeps {
  tokens: HelperTokenSource;
  measure: HelperMeasureSettings;
  limiter: TokenBucketLimiter;
  maxRequestBytes: number;
  maxConcurrent: number;
}

type HelperEnv = { Variables: { caller: HelperCaller } };

/** The helper's settings from its config block (reads the CA files it names). */
export function helperDeps(config: HelperConfig, tokens: HelperTokenSource): HelperDeps {
  const ca = config.caFiles.map((f) => readFileSync(f, "utf8"));
  return {
    tokens,
    measure: {
      policy: createAddressPolicy(config.allowRanges),
      bogons: createBogonMatcher({ notBogon: config.allowRanges }),
      resolver: config.resolver ?? "system",
      ...(ca.length > 0 ? { ca } : {}),
      budgetSeconds: config.budgetSeconds,
      maxBodyBytes: config.maxBodyBytes,
      maxOwnAddresses: 8,
    },
    limiter: new TokenBucketLimiter(config.rateLimit),
    maxRequestBytes: config.maxRequestBytes,
    maxConcurrent: config.maxConcurrent,
  };
}

const unauthorized = (message: string) => new ApiError(401, "unauthorized", message, { "WWW-Authenticate": 'Bearer realm="keepwatch-helper"' });

export function helperRoutes(deps: HelperDeps): Hono<HelperEnv> {
  const app = new Hono<HelperEnv>();
  let inFlight = 0;

  app.post(
    "/control",
    async (c, next) => {
      let token: string;
      try {
        token = bearerToken(c);
      } catch {
        throw unauthorized("missing bearer token: the helper answers probes only");
      }
      const caller = await deps.tokens.find(sha256Hex(token));
      if (!caller) throw unauthorized("invalid or revoked probe token");
      const wait = deps.limiter.take(caller.id);
      if (wait > 0) throw new ApiError(429, "rate_limited", `rate limit: retry in ${wait} s`, { "Retry-After": String(wait) });
      c.set("caller", caller);
      await next();
    },
    bodyLimit({
      maxSize: deps.maxRequestBytes,
      onError: () => {
        throw new ApiError(413, "payload_too_large", `request body larger than ${deps.maxRequestBytes} bytes`);
      },
    }),
    async (c) => {
      let body: unknown;
      try {
        body = await c.req.json();
      } catch {
        throw new ApiError(400, "bad_request", "body must be JSON: {url, addresses, headers?, timeoutSeconds?}");
      }
      const req = controlRequestSchema.parse(body); // a ZodError is a 400 in handleError
      try {
        parseControlUrl(req.url, deps.measure.policy); // refuse before anything is resolved or connected
      } catch (e) {
        if (e instanceof RefusedRequest) throw new ApiError(400, "bad_request", e.message);
        throw e;
      }
      if (inFlight >= deps.maxConcurrent) {
        throw new ApiError(503, "unavailable", "helper busy: too many control requests in flight", { "Retry-After": "5" });
      }
      inFlight++;
      try {
        return c.json(await measureForControl(req, deps.measure, c.req.raw.signal));
      } finally {
        inFlight--;
      }
    },
  );
  return app;
}

/** The standalone helper: /api/v1/control and /healthz, errors as the API's. */
export function helperApp(deps: HelperDeps, reportError: ErrorReporter): Hono {
  const app = new Hono();
  app.onError(handleError(reportError));
  app.notFound((c) => errorResponse(c, 404, "not_found", `no route for ${c.req.method} ${c.req.path}`));
  app.get("/healthz", (c) => c.json({ ok: true }));
  app.route("/api/v1", helperRoutes(deps));
  return app;
}
