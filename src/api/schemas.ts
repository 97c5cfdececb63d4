// zod schemas of the HTTP API: the same objects validate requests and generate /api/v1/openapi.json.
// They are grouped by who calls the endpoints, one file each; this module is the one entry point.
export { errorResponses, errorSchema, isoTime } from "./schemas-common.js";
export * from "./schemas-reads.js";
export * from "./schemas-agents.js";
export * from "./schemas-admin.js";
export * from "./schemas-analysts.js";
