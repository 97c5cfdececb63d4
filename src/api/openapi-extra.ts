// The routes served without a zod route definition (streams, Prometheus text, images, the embed widget and
// the document itself), described by hand so the OpenAPI document lists everything the app serves under
// /api/v1, /metrics and /embed. Dashboard pages (/, /incidents, /{lang}/…) and /assets/* are the web UI,
// not the API, and are left out on purpose (tests/api/routes/openapi.test.ts names them).
import { z, type OpenAPIHono } from "@hono/zod-openapi";
import { errorSchema } from "./schemas.js";

const notFound = { description: "No such incident or region", content: { "application/json": { schema: errorSchema } } };
const idParam = z.object({ id: z.string().min(1).max(128).openapi({ param: { name: "id", in: "path" }, example: "KZ-47" }) });
const langQuery = z.object({ lang: z.enum(["kk", "ru", "en"]).optional().openapi({ description: "Language of the labels (default en)" }) });

type Registry = OpenAPIHono["openAPIRegistry"];

export function registerExtraPaths(registry: Registry): void {
  registry.registerPath({
    method: "get",
    path: "/api/v1/events",
    operationId: "streamEvents",
    summary: "Server-Sent Events: `regions` first (the GET /regions body), then `incident` on every incident change and `regions` when a state changes",
    security: [],
    responses: {
      200: {
        description: "An endless text/event-stream; each event's data is JSON (an Incident, or the regions view)",
        content: { "text/event-stream": { schema: z.string().openapi({ example: `event: regions\ndata: {"generatedAt":"…","regions":[…]}\n\n` }) } },
      },
    },
  });
  registry.registerPath({
    method: "get",
    path: "/metrics",
    operationId: "getMetrics",
    summary: "Prometheus metrics (text exposition format 0.0.4); never an address in a label",
    security: [],
    responses: {
      200: { description: "Metrics", content: { "text/plain": { schema: z.string().openapi({ example: "keepwatch_build_info{version=\"0.1.0\",commit=\"…\",node=\"v20.18.1\"} 1" }) } } },
    },
  });
  registry.registerPath({
    method: "get",
    path: "/api/v1/incidents/{id}/chart.png",
    operationId: "getIncidentChartPng",
    summary: "The incident's chart as a PNG (link previews and embeds), rendered on the server",
    security: [],
    request: { params: idParam, query: langQuery },
    responses: {
      200: { description: "PNG image", content: { "image/png": { schema: z.string().openapi({ format: "binary" }) } } },
      404: notFound,
    },
  });
  registry.registerPath({
    method: "get",
    path: "/embed/regions/{id}",
    operationId: "getRegionEmbed",
    summary: "An embeddable HTML widget with the region's state (frame-ancestors from server.embedAncestors)",
    security: [],
    request: { params: idParam, query: langQuery },
    responses: {
      200: { description: "HTML page for an iframe", content: { "text/html": { schema: z.string() } } },
      404: notFound,
    },
  });
  registry.registerPath({
    method: "get",
    path: "/api/v1/openapi.json",
    operationId: "getOpenApiDocument",
    summary: "This document (OpenAPI 3.1)",
    security: [],
    responses: { 200: { description: "OpenAPI document", content: { "application/json": { schema: z.object({}).passthrough() } } } },
  });
}
