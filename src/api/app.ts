// The HTTP server: REST API under /api/v1, /metrics, /livez, /healthz, /readyz and (when mounted) the dashboard. Everything it
// uses comes in through AppDeps; nothing here is global, so tests build as many apps as they like.
import { OpenAPIHono } from "@hono/zod-openapi";
import { compress } from "hono/compress";
import { cors } from "hono/cors";
import { DEFAULT_API_OPTIONS, type AppDeps, type ResolvedDeps } from "./deps.js";
import { errorResponse, handleError, validationHook } from "./errors.js";
import { ProbeRegistry } from "../registry/probe-registry.js";
import { Attributor } from "../attribution/attributor.js";
import { filesIn, IpToAsn, sharedPackagedIpToAsn } from "../attribution/ip-to-asn.js";
import { authFailureLimit } from "./limits/index.js";
import { RegionsSource } from "./regions-source.js";
import { adminRoutes } from "./routes/admin.js";
import { dashboardRoutes } from "./routes/dashboard.js";
import { agentRoutes } from "./routes/agent.js";
import { enrollRoutes } from "./routes/enroll.js";
import { eventsRoutes } from "./routes/events.js";
import { exportsRoutes } from "./routes/exports.js";
import { targetsRoutes } from "./routes/targets.js";
import { shareRoutes, shareSources } from "./routes/share.js";
import { healthRoutes } from "./routes/health.js";
import { incidentsRoutes } from "./routes/incidents.js";
import { measurementsRoutes } from "./routes/measurements.js";
import { metricsRoutes } from "./routes/metrics.js";
import { mountOpenApi } from "./routes/openapi.js";
import { probesRoutes } from "./routes/probes.js";
import { regionsRoutes } from "./routes/regions.js";
import { timelineRoutes } from "./routes/timeline.js";
import { sessionRoutes } from "./routes/session.js";
import { notesRoutes } from "./routes/notes.js";
import { usersRoutes } from "./routes/users.js";
import { auditRoutes } from "./routes/audit.js";
import { identify, type UserEnv } from "./session-auth.js";
import { privateGate } from "./private-gate.js";

export function resolveDeps(deps: AppDeps): ResolvedDeps {
  return {
    ...deps,
    clock: deps.clock ?? (() => new Date()),
    registry: new ProbeRegistry(deps.config, deps.store),
    // Lazy: the IP-to-ASN tables load on the first whoami, not at start.
    attributor: deps.attributor ?? new Attributor(deps.store,
      deps.config.server.ipToAsnData ? new IpToAsn(filesIn(deps.config.server.ipToAsnData)) : sharedPackagedIpToAsn()),
    options: { ...DEFAULT_API_OPTIONS, ...deps.options },
    // Fallback reporter writes the error only; no request data, so no addresses.
    reportError: deps.reportError ?? ((err) => console.error("keepwatch api error:", err)),
    ...((deps.adminToken ?? process.env.KEEPWATCH_ADMIN_TOKEN) !== undefined && {
      adminToken: deps.adminToken ?? process.env.KEEPWATCH_ADMIN_TOKEN,
    }),
  };
}

export function createApp(appDeps: AppDeps) {
  const deps = resolveDeps(appDeps);
  const regions = new RegionsSource(
    deps.store,
    deps.config,
    deps.clock,
    deps.options.recentWindowSeconds,
    deps.options.regionsCacheMs,
  );
  const app = new OpenAPIHono<UserEnv>({ defaultHook: validationHook });

  app.onError(handleError(deps.reportError));
  app.notFound((c) => errorResponse(c, 404, "not_found", `no route for ${c.req.method} ${c.req.path}`));

  // A demo's answers say so, for API clients and downloaded exports that never see the dashboard's banner.
  if (deps.siteNotice?.demo) {
    app.use("*", async (c, next) => {
      await next();
      c.res.headers.set("X-KeepWatch-Demo", "synthetic data, nothing measured");
    });
  }

  // Who is asking (session cookie or read token), then, on a private dashboard, nobody unsigned gets past.
  app.use("*", identify(deps));
  app.use("*", privateGate(deps.config.server.private));

  // Public data: any site may read it; uploads and admin calls carry bearer tokens, never cookies.
  app.use(
    "/api/v1/*",
    cors({
      origin: "*",
      allowMethods: ["GET", "HEAD", "POST", "DELETE", "OPTIONS"],
      allowHeaders: ["Authorization", "Content-Type", "If-None-Match"],
      exposeHeaders: ["ETag", "Content-Disposition", "X-KeepWatch-Demo"],
      maxAge: 86400,
    }),
  );

  // JSON bodies (a day's minute timeline is ~400 KB) shrink ~10x: it matters on the slow links of the
  // regions we watch. Streams (SSE, NDJSON, CSV) are left alone so they flush as they are written.
  app.use("/api/v1/*", compress({ contentTypeFilter: /^application\/json/ }));

  // Token guessing: failed checks are limited per client and overall, before any token is looked at.
  const authFailures = authFailureLimit(deps.config.uploads, (reason) => deps.metrics.recordUploadRefusal(reason));
  app.use("/api/v1/measurements", authFailures);
  app.use("/api/v1/admin/*", authFailures);
  app.use("/api/v1/enroll", authFailures);
  app.use("/api/v1/agent/*", authFailures);
  // Wrong passwords (and unknown read tokens) count like wrong tokens, per client and overall.
  app.use("/api/v1/session", authFailures);

  app.route("/api/v1", regionsRoutes(regions, deps.siteNotice?.demo === true));
  app.route("/api/v1", timelineRoutes(deps));
  app.route("/api/v1", targetsRoutes(deps));
  app.route("/api/v1", incidentsRoutes(deps));
  app.route("/api/v1", probesRoutes(deps));
  app.route("/api/v1", exportsRoutes(deps));
  app.route("/api/v1", measurementsRoutes(deps));
  app.route("/api/v1", adminRoutes(deps));
  app.route("/api/v1", enrollRoutes(deps));
  app.route("/api/v1", agentRoutes(deps));
  app.route("/api/v1", eventsRoutes(deps, regions));
  app.route("/api/v1", sessionRoutes(deps));
  app.route("/api/v1", notesRoutes(deps));
  app.route("/api/v1", usersRoutes(deps));
  app.route("/api/v1", auditRoutes(deps));
  app.route("/", healthRoutes(deps));
  mountOpenApi(app, deps.config.server.publicUrl);
  app.route("/", metricsRoutes(deps));
  // Dashboard pages and assets (the dashboard engineer's sub-app); API paths above take precedence.
  app.route("/", shareRoutes(deps, regions));
  app.route("/", dashboardRoutes({
    timezone: deps.config.server.timezone,
    publicUrl: deps.config.server.publicUrl,
    share: shareSources(deps, regions),
    ...(deps.siteNotice ? { notice: deps.siteNotice } : {}),
  }));
  return app;
}

export type KeepWatchApp = ReturnType<typeof createApp>;
