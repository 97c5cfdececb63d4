// Schemas of the agents' endpoints: heartbeat, network attribution, assignment, uploads, enrollment. Part of the
// HTTP API's schemas (./schemas.ts).
import { z } from "@hono/zod-openapi";
import { networkKindSchema } from "../measurement.js";
import { isoTime } from "./schemas-common.js";

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

export const enrollBodySchema = z.object({ code: z.string().max(100) }).openapi("EnrollRequest");

export const enrollResponseSchema = z
  .object({
    probeId: z.string(),
    region: z.string(),
    network: z.object({ id: z.string(), asn: z.number().int().nullable(), kind: networkKindSchema }),
    token: z.string(),
  })
  .openapi("Enrollment", { description: "The probe's upload token, shown once" });
