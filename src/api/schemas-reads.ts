// Schemas of the read endpoints: regions, timeline, incidents, exports, probes. Part of the HTTP API's schemas (./schemas.ts).
import { z } from "@hono/zod-openapi";
import { incidentKindSchema, incidentSchema } from "../incident.js";
import { networkKindSchema } from "../measurement.js";
import { isoTime, networkId, probeId, regionId } from "./schemas-common.js";

const ratio = z.number().min(0).max(1).nullable();
export const ratiosSchema = z
  .object({ whitelisted: ratio, non_whitelisted: ratio })
  .openapi("ListRatios", { description: "Success ratio per target list, null when there were no samples" });

const stateSchema = z.union([z.literal("normal"), z.literal("unknown"), incidentKindSchema]);

export const regionsResponseSchema = z
  .object({
    demo: z.literal(true).optional()
      .openapi({ description: "Present (true) only on a `keepwatch serve --demo` server: synthetic data, nothing measured" }),
    generatedAt: isoTime,
    regions: z.array(
      z.object({
        id: z.string(),
        names: z.object({ kk: z.string(), ru: z.string(), en: z.string() }),
        state: stateSchema,
        networks: z.array(
          z.object({
            id: z.string(),
            name: z.string(),
            kind: networkKindSchema,
            state: stateSchema,
            ratios: ratiosSchema,
          }),
        ),
        ratios: ratiosSchema,
        lastMeasurementAt: isoTime.nullable(),
        openIncidents: z.array(z.string()),
      }),
    ),
  })
  .openapi("Regions");

export const regionIdParam = z.object({ id: regionId().openapi({ example: "KZ-47" }) });

export const timelineQuerySchema = z.object({
  since: isoTime.optional().openapi({ description: "Inclusive start; default: until − 24 h" }),
  until: isoTime.optional().openapi({ description: "Exclusive end; default: now" }),
  bucket: z
    .enum(["minute", "hour"])
    .optional()
    .openapi({ description: "Default: minute for ranges up to 6 h, hour above. Max range: 2 days per minute, 400 days per hour" }),
});

export const timelineResponseSchema = z
  .object({
    demo: z.literal(true).optional()
      .openapi({ description: "Present (true) only on a `keepwatch serve --demo` server: synthetic data, nothing measured" }),
    region: z.string(),
    bucketSeconds: z.number().int(),
    series: z.array(
      z.object({
        network: z.string(),
        points: z.array(
          z.object({
            t: isoTime,
            whitelisted: ratio,
            non_whitelisted: ratio,
            throughputBps: z.number().nullable(),
            tlsHandshakeS: z.number().nullable(),
            dnsFailures: z.number().int(),
            samples: z.number().int(),
          }),
        ),
      }),
    ),
    incidents: z.array(incidentSchema),
  })
  .openapi("Timeline");

export const incidentsQuerySchema = z.object({
  region: regionId().optional(),
  network: networkId().optional(),
  kind: incidentKindSchema.optional(),
  status: z.enum(["open", "closed"]).optional(),
  since: isoTime.optional(),
  until: isoTime.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).default(0),
  lang: z.enum(["kk", "ru", "en"]).optional().openapi({ description: "Also return each incident's one-line summary in this language (summaries)" }),
});

export const incidentsResponseSchema = z
  .object({
    demo: z.literal(true).optional()
      .openapi({ description: "Present (true) only on a `keepwatch serve --demo` server: synthetic data, nothing measured" }),
    incidents: z.array(incidentSchema),
    summaries: z.record(z.string(), z.string()).optional()
      .openapi({ description: "With ?lang=: incident id → its summary in that language" }),
    verifications: z.record(z.string(), z.object({ verifiedBy: z.string(), verifiedAt: isoTime }))
      .openapi({ description: "Incident id → who verified it and when (verified incidents of this page only)" }),
    withdrawn: z.record(z.string(), isoTime)
      .openapi({ description: "Incident id → when the detector withdrew it (withdrawn incidents of this page only). A withdrawn incident has status closed but is not a finding: do not cite it" }),
    limit: z.number().int(),
    offset: z.number().int(),
    nextOffset: z.number().int().nullable(),
  })
  .openapi("Incidents");

export const incidentIdParam = z.object({ id: z.string().min(1).max(128) });

export const incidentResponseSchema = z
  .object({
    demo: z.literal(true).optional()
      .openapi({ description: "Present (true) only on a `keepwatch serve --demo` server: synthetic data, nothing measured" }),
    incident: incidentSchema,
    withdrawnAt: isoTime.nullable()
      .openapi({ description: "When the detector withdrew the incident (later measurements no longer show it), or null; the summaries then start by saying so" }),
    verification: z.object({ incidentId: z.string(), verifiedBy: z.string(), verifiedAt: isoTime }).nullable()
      .openapi({ description: "Who verified the incident and when (an analyst's mark), or null" }),
    notes: z.array(z.object({ id: z.number().int(), incidentId: z.string(), author: z.string(), text: z.string(), createdAt: isoTime }))
      .openapi({ description: "Analysts' notes, oldest first (plain text)" }),
    evidenceSha256: z.string().openapi({
      description:
        "sha256 hex of the canonical evidence set: compact JSON {counts (keys sorted), measurementIds (sorted)}",
    }),
    links: z.object({ self: z.string(), csv: z.string(), json: z.string() }),
    summaries: z.object({ kk: z.string(), ru: z.string(), en: z.string() }).openapi({
      description: "The summary rendered in each language from the incident's fields (service names, times to the second in UTC and server.timezone)",
    }),
  })
  .openapi("IncidentDetail");

export const exportQuerySchema = z.object({
  region: regionId().optional(),
  network: networkId().optional(),
  probe: probeId().optional(),
  since: isoTime.optional().openapi({ description: "Inclusive; default: until − 24 h" }),
  until: isoTime.optional().openapi({ description: "Exclusive; default: now. At most 31 days per request" }),
  bom: z.enum(["0", "1"]).optional().openapi({ description: "CSV only: 1 starts the file with a UTF-8 byte-order mark (for spreadsheets)" }),
  lang: z.enum(["kk", "ru", "en"]).optional().openapi({ description: "CSV only: language of the region_name column (default en)" }),
});

export const incidentCsvQuerySchema = exportQuerySchema.pick({ bom: true, lang: true });

export const probesResponseSchema = z
  .object({
    probes: z.array(
      z.object({
        id: z.string(),
        region: z.string(),
        network: z.string(),
        role: z.enum(["region", "control"]),
        lastSeenAt: isoTime.nullable(),
        measurements: z.number().int(),
        /** The probe's last heartbeat (agents only), null when it never sent one. */
        heartbeat: z
          .object({
            receivedAt: isoTime,
            version: z.string(),
            spoolDepth: z.number().int(),
            clockOffsetMs: z.number().nullable(),
            lastRoundAt: isoTime.nullable(),
            lastError: z.string().nullable(),
          })
          .nullable(),
      }),
    ),
  })
  .openapi("Probes");
