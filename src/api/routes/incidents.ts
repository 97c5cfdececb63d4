// GET /incidents (filtered, paginated), GET /incidents/:id (with the evidence fingerprint and permalinks),
// GET /incidents/:id/export.csv (the evidence measurements).
import { createRoute } from "@hono/zod-openapi";
import { etag } from "hono/etag";
import { stream } from "hono/streaming";
import type { Measurement } from "../../measurement.js";
import type { ResolvedDeps } from "../deps.js";
import { ApiError } from "../errors.js";
import { evidenceSha256 } from "../evidence.js";
import { csvHeader, csvRow } from "../csv.js";
import { incidentLinks } from "../links.js";
import { targetNames } from "../../config/target-names.js";
import { renderSummaries, type SummaryContext } from "../../i18n/incident-summary.js";
import { newRouter, publicCache } from "../router.js";
import {
  errorResponses,
  errorSchema,
  incidentIdParam,
  incidentResponseSchema,
  incidentsQuerySchema,
  incidentsResponseSchema,
} from "../schemas.js";

const notFound = { description: "Unknown incident", content: { "application/json": { schema: errorSchema } } };

export function incidentsRoutes(deps: ResolvedDeps) {
  const app = newRouter();
  let summaryCtx: SummaryContext | undefined;
  // Names come from whitelist/, read once on the first request that needs them.
  const summaryContext = () => (summaryCtx ??= {
    regions: deps.config.regions, networks: deps.config.networks, timezone: deps.config.server.timezone, targetNames: targetNames(deps.config),
  });
  app.use("/incidents", etag(), publicCache(15));
  app.use("/incidents/:id", etag(), publicCache(30));

  app.openapi(
    createRoute({
      method: "get",
      path: "/incidents",
      summary: "Incidents, newest first, filtered and paginated",
      request: { query: incidentsQuerySchema },
      responses: {
        200: { description: "Incidents", content: { "application/json": { schema: incidentsResponseSchema } } },
        ...errorResponses,
      },
    }),
    async (c) => {
      const q = c.req.valid("query");
      // One extra row tells whether there is a next page without a count query.
      const rows = await deps.store.listIncidents({
        ...(q.region !== undefined && { region: q.region }),
        ...(q.network !== undefined && { network: q.network }),
        ...(q.kind !== undefined && { kind: q.kind }),
        ...(q.status !== undefined && { status: q.status }),
        ...(q.since !== undefined && { since: new Date(q.since) }),
        ...(q.until !== undefined && { until: new Date(q.until) }),
        limit: q.limit + 1,
        offset: q.offset,
      });
      const incidents = rows.slice(0, q.limit);
      const nextOffset = rows.length > q.limit ? q.offset + q.limit : null;
      return c.json({ incidents, limit: q.limit, offset: q.offset, nextOffset }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/incidents/{id}",
      summary: "One incident with its evidence, the evidence SHA-256 and permalinks",
      request: { params: incidentIdParam },
      responses: {
        200: { description: "Incident", content: { "application/json": { schema: incidentResponseSchema } } },
        404: notFound,
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const incident = await deps.store.getIncident(id);
      if (!incident) throw new ApiError(404, "not_found", `unknown incident ${id}`);
      return c.json(
        {
          incident,
          evidenceSha256: evidenceSha256(incident.evidence),
          links: incidentLinks(deps.config.server.publicUrl, incident.id),
          summaries: renderSummaries(incident, summaryContext()),
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/incidents/{id}/export.csv",
      summary: "The incident's evidence measurements as CSV (columns as in /measurements/export.csv)",
      request: { params: incidentIdParam },
      responses: {
        200: { description: "CSV", content: { "text/csv": { schema: { type: "string" } } } },
        404: notFound,
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const incident = await deps.store.getIncident(id);
      if (!incident) throw new ApiError(404, "not_found", `unknown incident ${id}`);
      c.header("Content-Type", "text/csv; charset=utf-8");
      c.header("Content-Disposition", `attachment; filename="incident-${id.replace(/[^\w.-]/g, "_")}.csv"`);
      c.header("Cache-Control", "public, max-age=60");
      const ids = [...incident.evidence.measurementIds].sort();
      return stream(c, async (s) => {
        await s.write(csvHeader());
        for (const mid of ids) {
          if (s.aborted) return;
          const m: Measurement | null = await deps.store.getMeasurement(mid);
          // Raw measurements past retention are gone; the rollups and the hash still stand.
          if (m) await s.write(csvRow(m));
        }
      });
    },
  );
  return app;
}
