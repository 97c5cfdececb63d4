// Shared pieces of the HTTP API's schemas (./schemas.ts): id rules, timestamps, the error body.
import { z } from "@hono/zod-openapi";
import { ID_MESSAGES, NETWORK_ID_PATTERN, PROBE_ID_PATTERN, REGION_ID_PATTERN } from "../ids.js";

// The shared id rules (src/ids.ts), built with the OpenAPI-aware z so they document themselves.
export const probeId = () => z.string().regex(PROBE_ID_PATTERN, `invalid ${ID_MESSAGES.probe}`);
export const networkId = () => z.string().regex(NETWORK_ID_PATTERN, `invalid ${ID_MESSAGES.network}`);
export const regionId = () => z.string().regex(REGION_ID_PATTERN, `invalid ${ID_MESSAGES.region}`);

export const isoTime = z.string().datetime({ offset: true });

export const errorSchema = z
  .object({ error: z.object({ code: z.string(), message: z.string() }) })
  .openapi("Error");

export const errorResponses = {
  400: { description: "Invalid request", content: { "application/json": { schema: errorSchema } } },
} as const;
