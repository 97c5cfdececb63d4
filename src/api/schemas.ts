// zod schemas of the HTTP API: the same objects validate requests and generate /api/v1/openapi.json.
import { z } from "@hono/zod-openapi";
import { incidentKindSchema, incidentSchema } from "../incident.js";
import { ID_MESSAGES, NETWORK_ID_PATTERN, PROBE_ID_PATTERN, REGION_ID_PATTERN } from "../ids.js";
import { networkKindSchema } from "../measurement.js";

// The shared id rules (src/ids.ts), built with the OpenAPI-aware z so they document themselves.
const probeId = () => z.string().regex(PROBE_ID_PATTERN, `invalid ${ID_MESSAGES.probe}`);
const networkId = () => z.string().regex(NETWORK_ID_PATTERN, `invalid ${ID_MESSAGES.network}`);
const regionId = () => z.string().regex(REGION_ID_PATTERN, `invalid ${ID_MESSAGES.region}`);

export const isoTime = z.string().datetime({ offset: true });

export const errorSchema = z
  .object({ error: z.object({ code: z.string(), message: z.string() }) })
  .openapi("Error");

export const errorResponses = {
  400: { description: "Invalid request", content: { "application/json": { schema: errorSchema } } },
} as const;

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

export const heartbeatBodySchema = z
  .object({
    version: z.string().max(40),
    spoolDepth: z.number().int().min(0).max(1e9),
    /** Server clock minus agent clock, from the Date header of the server's last answer (ms). */
    clockOffsetMs: z.number().int().min(-1e10).max(1e10).nullable(),
    lastRoundAt: isoTime.nullable(),
    lastError: z.string().max(500).nullable(),
  })
  .openapi("Heartbeat");

export const networkAnswerSchema = z
  .object({
    asn: z.number().int().nullable(),
    asName: z.string().nullable(),
    country: z.string().nullable(),
    /** When the server looked the address up; with seal, what the agent copies into its measurements. */
    confirmedAt: isoTime,
    seal: z.string(),
  })
  .openapi("NetworkAttribution", { description: "The network (AS and country) of the address this request came from; the address itself is neither returned nor kept" });

export const heartbeatAnswerSchema = z.object({ attribution: networkAnswerSchema }).openapi("HeartbeatAnswer");

export const assignmentSchema = z
  .object({
    probeId: z.string(),
    region: z.string(),
    network: z.object({ id: z.string(), asn: z.number().int().nullable(), kind: networkKindSchema }),
    schedule: z.object({ cron: z.string(), timeoutSeconds: z.number(), concurrency: z.number().int() }),
    resolvers: z.object({ resolver: z.string().nullable(), controlResolver: z.string().nullable() }),
    helpers: z.array(z.string()),
    targets: z.array(z.object({ url: z.string(), list: z.enum(["whitelisted", "non_whitelisted"]), category: z.string(), throughput: z.boolean() })),
    attribution: networkAnswerSchema,
  })
  .openapi("Assignment", { description: "What an agent measures, how often and with which resolvers and helpers" });

export const uploadBodySchema = z
  .union([z.object({ measurements: z.array(z.unknown()) }), z.array(z.unknown())])
  .openapi("Upload", { description: "{ measurements: Measurement[] } (a bare array is accepted too)" });

export const uploadResponseSchema = z
  .object({
    accepted: z.number().int(),
    rejected: z.array(z.object({ index: z.number().int(), error: z.string() })),
  })
  .openapi("UploadResult");

export const probeIdParam = z.object({ id: probeId().openapi({ example: "aktau-1" }) });

export const issueTokenBodySchema = z.object({
  region: regionId().optional().openapi({ description: "Optional; must be the probe's configured region" }),
});

export const tokenResponseSchema = z
  .object({ token: z.string(), probeId: z.string(), region: z.string() })
  .openapi("ProbeToken", { description: "The token is shown once; only its sha256 is stored" });

export const revokeResponseSchema = z.object({ revoked: z.number().int() }).openapi("Revoked");

export const inviteBodySchema = z
  .object({
    region: regionId().openapi({ example: "KZ-47" }),
    network: networkId().openapi({ example: "kcell-mobile" }),
    expires: z.string().max(20).optional().openapi({ description: "30m, 12h or 7d (default 7d, at most 90d)", example: "7d" }),
  })
  .openapi("InviteRequest");

export const inviteResponseSchema = z
  .object({ code: z.string(), region: z.string(), network: z.string(), expiresAt: isoTime })
  .openapi("Invite", { description: "The code is shown once and registers one probe; only its sha256 is stored" });

export const inviteViewSchema = z
  .object({
    id: z.string().openapi({ description: "First 12 hex digits of the code's sha256 (the code itself is never stored)" }),
    region: z.string(),
    network: z.string(),
    createdAt: isoTime,
    expiresAt: isoTime,
    status: z.enum(["open", "used", "expired"]),
    usedAt: isoTime.nullable(),
    probeId: z.string().nullable(),
  })
  .openapi("InviteListItem");
export const inviteListSchema = z.object({ invites: z.array(inviteViewSchema) }).openapi("InviteList");
export const inviteIdParam = z.object({ id: z.string().openapi({ example: "3f9a1c2b5e7d" }) });

export const enrollBodySchema = z.object({ code: z.string().max(100) }).openapi("EnrollRequest");

export const enrollResponseSchema = z
  .object({
    probeId: z.string(),
    region: z.string(),
    network: z.object({ id: z.string(), asn: z.number().int().nullable(), kind: networkKindSchema }),
    token: z.string(),
  })
  .openapi("Enrollment", { description: "The probe's upload token, shown once" });

// Analysts' layer: sessions, users, notes, verification, audit log.
const userName = () => z.string().regex(/^[a-z0-9][a-z0-9._-]{1,31}$/, "invalid user name");
const userRole = z.enum(["admin", "analyst", "viewer"]);

export const loginBodySchema = z
  .object({ name: z.string().min(1).max(64), password: z.string().min(1).max(1024) })
  .openapi("Login");

export const sessionResponseSchema = z
  .object({
    user: z.object({ name: z.string(), role: userRole }).nullable(),
    csrfToken: z.string().nullable().openapi({ description: "Send as X-CSRF-Token with every write of this session" }),
  })
  .openapi("Session");

export const publicUserSchema = z
  .object({ name: z.string(), role: userRole, createdAt: isoTime, disabledAt: isoTime.nullable(), hasReadToken: z.boolean() })
  .openapi("User");

export const usersResponseSchema = z.object({ users: z.array(publicUserSchema) }).openapi("Users");

export const userNameParam = z.object({ name: userName().openapi({ example: "aigerim" }) });

export const addUserBodySchema = z
  .object({ name: userName(), role: userRole, password: z.string().min(10).max(1024) })
  .openapi("NewUser");

export const changeUserBodySchema = z
  .object({ role: userRole.optional(), disabled: z.boolean().optional(), password: z.string().min(10).max(1024).optional() })
  .openapi("UserChange");

export const noteSchema = z
  .object({ id: z.number().int(), incidentId: z.string(), author: z.string(), text: z.string(), createdAt: isoTime })
  .openapi("IncidentNote");

export const verificationSchema = z
  .object({ incidentId: z.string(), verifiedBy: z.string(), verifiedAt: isoTime })
  .openapi("IncidentVerification");

export const notesResponseSchema = z
  .object({ notes: z.array(noteSchema), verification: verificationSchema.nullable() })
  .openapi("IncidentNotes");

export const noteBodySchema = z
  .object({ text: z.string().trim().min(1).max(4000) })
  .openapi("NewNote");

export const auditQuerySchema = z.object({
  since: isoTime.optional(),
  until: isoTime.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
  offset: z.coerce.number().int().min(0).default(0),
});

export const auditResponseSchema = z
  .object({
    entries: z.array(z.object({ seq: z.number().int(), at: isoTime, actor: z.string(), action: z.string(), subject: z.string(), detail: z.string().nullable() })),
    nextOffset: z.number().int().nullable(),
  })
  .openapi("AuditLog");
