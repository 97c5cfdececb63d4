// GET /measurements/export.csv and /measurements/export.ndjson: raw measurements streamed straight from the
// store's cursor. Rows are written in ~64 KiB chunks and each write waits for the socket (backpressure), so a
// month of data never sits in memory.
import { createRoute } from "@hono/zod-openapi";
import type { Context } from "hono";
import { stream } from "hono/streaming";
import type { Measurement } from "../../measurement.js";
import type { MeasurementQuery } from "../../store/store.js";
import { BOM, csvHeader, csvNames, csvRow } from "../csv.js";
import type { ResolvedDeps } from "../deps.js";
import { newRouter, parseRange } from "../router.js";
import { errorResponses, exportQuerySchema } from "../schemas.js";

const CHUNK_BYTES = 64 * 1024;

async function streamRows(
  c: Context,
  deps: ResolvedDeps,
  query: MeasurementQuery,
  header: string,
  row: (m: Measurement) => string,
): Promise<Response> {
  return stream(c, async (s) => {
    let buf = header;
    for await (const m of deps.store.streamMeasurements(query)) {
      if (s.aborted) break; // The client went away; leaving the loop closes the store cursor.
      buf += row(m);
      if (buf.length >= CHUNK_BYTES) {
        await s.write(buf);
        buf = "";
      }
    }
    if (buf.length > 0 && !s.aborted) await s.write(buf);
  }, async (err, s) => {
    // Headers are gone already: report, then cut the connection so the client sees a failed (not a short) file.
    deps.reportError(err);
    s.abort();
  });
}

function exportFilename(kind: string, q: MeasurementQuery, ext: string): string {
  const parts = ["keepwatch", kind, q.region, q.network, q.since?.toISOString().slice(0, 10)].filter(Boolean);
  return `${parts.join("-").replace(/[^\w.-]/g, "_")}.${ext}`;
}

export function exportsRoutes(deps: ResolvedDeps) {
  const app = newRouter();
  const toQuery = (q: { region?: string | undefined; network?: string | undefined; probe?: string | undefined; since?: string | undefined; until?: string | undefined }): MeasurementQuery => {
    const range = parseRange(q, deps.clock(), 86400, deps.options.maxExportDays * 86400);
    return {
      ...range,
      ...(q.region !== undefined && { region: q.region }),
      ...(q.network !== undefined && { network: q.network }),
      ...(q.probe !== undefined && { probeId: q.probe }),
    };
  };

  app.openapi(
    createRoute({
      method: "get",
      path: "/measurements/export.csv",
      summary:
        "Measurements as CSV. Columns: id, startedAt, region, network, asn, probe, url, list, category, accessible, blocking, failure, dns_failure, tls_handshake_s, bytes_per_second, region_name, network_name, service",
      request: { query: exportQuerySchema },
      responses: {
        200: { description: "CSV (RFC 4180, UTF-8, header row)", content: { "text/csv": { schema: { type: "string" } } } },
        ...errorResponses,
      },
    }),
    async (c) => {
      const raw = c.req.valid("query");
      const q = toQuery(raw);
      const names = csvNames(deps.config, raw.lang);
      c.header("Content-Type", "text/csv; charset=utf-8");
      c.header("Content-Disposition", `attachment; filename="${exportFilename("measurements", q, "csv")}"`);
      return streamRows(c, deps, q, (raw.bom === "1" ? BOM : "") + csvHeader(), (m) => csvRow(m, names, deps.siteNotice?.demo === true));
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/measurements/export.ndjson",
      summary: "Measurements as newline-delimited JSON, one full Measurement (schema version 1) per line",
      request: { query: exportQuerySchema },
      responses: {
        200: { description: "NDJSON", content: { "application/x-ndjson": { schema: { type: "string" } } } },
        ...errorResponses,
      },
    }),
    async (c) => {
      const q = toQuery(c.req.valid("query"));
      c.header("Content-Type", "application/x-ndjson; charset=utf-8");
      c.header("Content-Disposition", `attachment; filename="${exportFilename("measurements", q, "ndjson")}"`);
      // zod-openapi types only JSON and text/* bodies; this stream is neither, hence the cast.
      return streamRows(c, deps, q, "", (m) => `${JSON.stringify(m)}\n`) as never;
    },
  );
  return app;
}
