// GET /incidents (filtered, paginated), GET /incidents/:id (with the evidence fingerprint and permalinks),
// GET /incidents/:id/export.csv (the evidence measurements).
import { createRoute } from "@hono/zod-openapi";
import { etag } from "hono/etag";
import { stream } from "hono/streaming";
import type { Measurement } from "../../measurement.js";
import type { ResolvedDeps } from "../deps.js";
import { ApiError } from "../errors.js";
import { evidenceSha256 } from "../evidence.js";
import { BOM, INCIDENT_CSV_COLUMNS, csvLine, csvNames, measurementCells, type CsvNames } from "../csv.js";
import { incidentLinks } from "../links.js";
import { targetNames } from "../../config/target-names.js";
import { renderIncidentSummary, renderSummaries, type SummaryContext } from "../../i18n/incident-summary.js";
import { newRouter, publicCache } from "../router.js";
import { demoPrefixed } from "../../i18n/demo-label.js";
import { withdrawnAt, type Incident } from "../../incident.js";
import {
  errorResponses,
  errorSchema,
  incidentCsvQuerySchema,
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
  // A demo's incidents say so in the body itself (a copied JSON keeps no header): demo: true, and every
  // summary starts with the demo label in its language.
  const demo = deps.siteNotice?.demo === true;
  const marked = (i: Incident): Incident => (demo ? { ...i, summary: demoPrefixed(i.summary, "en") } : i);
  const markedSummaries = <T extends Record<string, string>>(summaries: T, lang: (key: string) => "kk" | "ru" | "en"): T =>
    (demo ? Object.fromEntries(Object.entries(summaries).map(([k, v]) => [k, demoPrefixed(v, lang(k))])) as T : summaries);
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
      const verified = await deps.store.listIncidentVerifications(incidents.map((i) => i.id));
      const verifications = Object.fromEntries(verified.map((v) => [v.incidentId, { verifiedBy: v.verifiedBy, verifiedAt: v.verifiedAt }]));
      // Status stays "closed" for a withdrawn incident (the store's filter knows only open/closed): the page says which.
      const withdrawn: Record<string, string> = {};
      for (const i of incidents) {
        const at = withdrawnAt(i);
        if (at !== null) withdrawn[i.id] = at;
      }
      const lang = q.lang;
      const summaries = lang
        ? markedSummaries(Object.fromEntries(incidents.map((i) => [i.id, renderIncidentSummary(i, lang, summaryContext())])), () => lang)
        : undefined;
      return c.json({
        ...(demo && { demo: true as const }),
        incidents: incidents.map(marked), ...(summaries && { summaries }), verifications, withdrawn, limit: q.limit, offset: q.offset, nextOffset,
      }, 200);
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
      const [verification, notes] = await Promise.all([deps.store.getIncidentVerification(id), deps.store.listIncidentNotes(id)]);
      return c.json(
        {
          ...(demo && { demo: true as const }),
          incident: marked(incident),
          withdrawnAt: withdrawnAt(incident),
          verification,
          notes,
          evidenceSha256: evidenceSha256(incident.evidence),
          links: incidentLinks(deps.config.server.publicUrl, incident.id),
          summaries: markedSummaries(renderSummaries(incident, summaryContext()), (k) => k as "kk" | "ru" | "en"),
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/incidents/{id}/export.csv",
      summary:
        "Every measurement behind the incident as CSV (columns as in /measurements/export.csv): the region's (and network's) measurements from startedAt to endedAt (or now), plus any evidence id outside those bounds",
      request: { params: incidentIdParam, query: incidentCsvQuerySchema },
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
      const { bom, lang } = c.req.valid("query");
      const names = csvNames(deps.config, lang, summaryContext().targetNames);
      // evidence.measurementIds is a capped sample (the counts have the totals); the verdict rests on every
      // measurement of the region (network) within the incident's bounds, so those are what the file holds.
      const until = incident.endedAt ? new Date(Date.parse(incident.endedAt) + 1) : deps.clock();
      const sample = new Set(incident.evidence.measurementIds);
      // The incident's verification rides on every row (two columns near the end), so a file passed on alone
      // still says it; so does a demo's label (the last column).
      const v = await deps.store.getIncidentVerification(id);
      const csvRow = (m: Measurement, n: CsvNames) => csvLine([...measurementCells(m, n), v?.verifiedBy ?? null, v?.verifiedAt ?? null, demo]);
      return stream(c, async (s) => {
        let buf = (bom === "1" ? BOM : "") + csvLine(INCIDENT_CSV_COLUMNS);
        for await (const m of deps.store.streamMeasurements({
          region: incident.region, ...(incident.network !== null && { network: incident.network }),
          since: new Date(incident.startedAt), until, role: "region",
        })) {
          if (s.aborted) return;
          sample.delete(m.id);
          buf += csvRow(m, names);
          if (buf.length >= 64 * 1024) {
            await s.write(buf);
            buf = "";
          }
        }
        // Sampled ids from just before startedAt (the first window's start) are evidence too.
        for (const mid of [...sample].sort()) {
          const m: Measurement | null = await deps.store.getMeasurement(mid);
          // Raw measurements past retention are gone; the rollups and the hash still stand.
          if (m) buf += csvRow(m, names);
        }
        if (!s.aborted) await s.write(buf);
      }, async (err, s) => {
        deps.reportError(err);
        s.abort();
      });
    },
  );
  return app;
}
