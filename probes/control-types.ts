// The test-helper protocol: what a probe asks a KeepWatch test helper (a control vantage abroad, the role of
// OONI's oohelperd, ooni.md §1.3) and what the helper answers. Shared by the helper (src/helper/), the client
// that calls it (control-client.ts) and the comparison rules (control-compare.ts), so it lives here, below all
// three. Field names are ours (camelCase); the content follows oohelperd's response.
import { z } from "zod";

export const CONTROL_PROTOCOL_VERSION = 1 as const;
/** Addresses a probe may hand in: OONI measures every resolved address; more than this is not a browser's view. */
export const MAX_PROBE_ADDRESSES = 16;

/** A bare IP address (v4 or v6, no brackets, no port): ports always come from the URL. */
const ipSchema = z.union([z.ipv4(), z.ipv6()]);

export const controlRequestSchema = z.strictObject({
  /** The URL the probe measured (http or https only; the helper validates it further). */
  url: z.string().min(1).max(2048),
  /** The addresses the probe's resolver gave for the URL's host, as OONI's `tcp_connect` list. */
  addresses: z.array(ipSchema).max(MAX_PROBE_ADDRESSES).default([]),
  /** Request headers the probe used; only `user-agent` is applied (the GET otherwise uses the probe library's profile). */
  headers: z.record(z.string().max(64), z.string().max(512)).refine((h) => Object.keys(h).length <= 16, "at most 16 headers").optional(),
  /** The probe's own remaining time: the helper answers within min(this, its budget). */
  timeoutSeconds: z.number().positive().max(120).optional(),
});
export type ControlRequest = z.input<typeof controlRequestSchema>;
export type ParsedControlRequest = z.output<typeof controlRequestSchema>;

export const controlDnsSchema = z.object({
  /** "system" or "ip:port": the helper's resolver. */
  resolver: z.string(),
  addresses: z.array(z.string()),
  /** dns_* class (probes/types.ts), null when it resolved. */
  failure: z.string().nullable(),
});

export const controlEndpointSchema = z.object({
  address: z.string(),
  port: z.number().int(),
  /** Who resolved the address: the probe, the helper, or both. */
  source: z.enum(["probe", "helper", "both"]),
  /** Not connected to: the address is in a range the helper never connects to (SSRF policy). */
  refused: z.boolean(),
  /** TCP connect; null when refused. */
  tcp: z.object({ failure: z.string().nullable(), connectTime: z.number().nullable() }).nullable(),
  /** TLS handshake with the URL's host as SNI, certificate verified (https only; null otherwise or when TCP failed). */
  tls: z.object({ serverName: z.string(), failure: z.string().nullable() }).nullable(),
});
export type ControlEndpoint = z.infer<typeof controlEndpointSchema>;

export const controlHttpSchema = z.object({
  /** Final response status, null when no final response arrived. */
  status: z.number().int().nullable(),
  /** http_* class of the last hop, or "refused_address" when a hop led to an address the helper refuses. */
  failure: z.string().nullable(),
  /** Selected headers of the final response (probes/http.ts KEPT_HEADERS), names lower-cased. */
  headers: z.record(z.string(), z.string()),
  /** Every header name of the final response, lower-cased (OONI's headers match compares names). */
  headerNames: z.array(z.string()),
  title: z.string().nullable(),
  bodyLength: z.number().int().nonnegative(),
  bodySha256: z.string().nullable(),
  bodyTruncated: z.boolean(),
  finalUrl: z.string(),
  /** Every hop in order, the final one included. */
  redirects: z.array(z.object({ url: z.string(), status: z.number().int().nullable() })),
});
export type ControlHttp = z.infer<typeof controlHttpSchema>;

export const controlAnswerSchema = z.object({
  version: z.literal(CONTROL_PROTOCOL_VERSION),
  url: z.string(),
  /** The helper's own DNS answer; null when the URL's host is an IP address. */
  dns: controlDnsSchema.nullable(),
  endpoints: z.array(controlEndpointSchema),
  /** The helper's GET; null when it had no address it may connect to. */
  http: controlHttpSchema.nullable(),
  /** What the helper refused to connect to and why, for people reading the answer. */
  refusals: z.array(z.string()),
  /** Seconds the helper spent, and its budget. */
  time: z.number().nonnegative(),
  budgetSeconds: z.number().positive(),
});
export type ControlAnswer = z.infer<typeof controlAnswerSchema>;

/** A helper's answer and which helper gave it. */
export interface HelperAnswer {
  /** The helper's URL (origin and path, never credentials). */
  helper: string;
  answer: ControlAnswer;
}

/** Asks the configured helpers about `url`; resolves null when none answered in time (never rejects). */
export type ControlHelper = (query: { url: string; addresses: string[] }, budget: { seconds: number; signal?: AbortSignal }) => Promise<HelperAnswer | null>;

/**
 * The control as recorded in a Measurement: which helper answered, the gist of what it saw, and how each of
 * OONI's consistency checks came out (null = could not be computed).
 */
export const controlSummarySchema = z.object({
  helper: z.string(),
  dns: z.object({ addresses: z.array(z.string()), failure: z.string().nullable() }).nullable(),
  /** Endpoint → "ok", a failure class, or "refused" (not connected to, by policy). */
  tcp: z.record(z.string(), z.string()),
  tls: z.record(z.string(), z.string()),
  http: z.object({
    status: z.number().int().nullable(),
    failure: z.string().nullable(),
    bodyLength: z.number().int().nonnegative(),
    title: z.string().nullable(),
    finalUrl: z.string(),
  }).nullable(),
  consistency: z.object({
    dns: z.enum(["consistent", "inconsistent"]).nullable(),
    statusCodeMatch: z.boolean().nullable(),
    bodyLengthMatch: z.boolean().nullable(),
    headersMatch: z.boolean().nullable(),
    titleMatch: z.boolean().nullable(),
  }),
  time: z.number().nonnegative(),
});
export type ControlSummary = z.infer<typeof controlSummarySchema>;
