// Configuration of the test helper (a control vantage abroad) and of the helpers a worker asks. Part of the
// configuration schema (./schema.ts).
import { z } from "zod";
import { cidrProblem } from "./cidr.js";
import { resolverAddressSchema } from "./schema-topology.js";

/** A CIDR with no host bits set: a typo in an SSRF exception must not open a wider range than meant. */
const cidrSchema = z.string().superRefine((v, ctx) => {
  const problem = cidrProblem(v);
  if (problem !== null) ctx.addIssue({ code: "custom", message: problem });
});

/** The test helper (`keepwatch helper`, or mounted in `serve` with enabled: true): a control vantage abroad. */
export const helperConfigSchema = z.object({
  /** Mount the helper inside `keepwatch serve` at POST /api/v1/control. */
  enabled: z.boolean().default(false),
  /** Bind address and port of the standalone `keepwatch helper`. */
  host: z.string().default("127.0.0.1"),
  port: z.number().int().min(0).max(65535).default(8090),
  /** Ranges the SSRF policy lets through despite being private/bogon: a lab's 198.18.0.0/15. Never in production. */
  allowRanges: z.array(cidrSchema).default([]),
  /** sha256 hex of accepted probe tokens (`keepwatch token hash`); inside `serve` the store's tokens are accepted too. */
  tokenHashes: z.array(z.string().regex(/^[0-9a-f]{64}$/, "sha256 hex (64 lower-case hex digits)")).default([]),
  /** The helper's resolver (IP[:PORT]); the system resolver when absent. */
  resolver: resolverAddressSchema.optional(),
  /** CA bundles (PEM) the helper trusts instead of the system roots (labs only). */
  caFiles: z.array(z.string()).default([]),
  /** Time budget of one control request (a probe may ask for less). */
  budgetSeconds: z.number().min(1).max(60).default(15),
  /** Body bytes the helper reads per hop. */
  maxBodyBytes: z.number().int().min(1024).max(16 * 1024 * 1024).default(1024 * 1024),
  /** Largest request body accepted. */
  maxRequestBytes: z.number().int().min(1024).max(1024 * 1024).default(16 * 1024),
  /** Control requests measured at once; more get 503. */
  maxConcurrent: z.number().int().min(1).max(1024).default(32),
  rateLimit: z.object({
    perMinute: z.number().min(1).default(60),
    burst: z.number().int().min(1).default(20),
  }).prefault({}),
});
export type HelperConfig = z.infer<typeof helperConfigSchema>;

/** Test helpers a worker asks, in turn; the token comes from the environment variable named (never the file). */
export const helperEndpointConfigSchema = z.object({
  url: z.string().url().refine((u) => /^https?:$/.test(new URL(u).protocol), "helper URL must be http(s)"),
  tokenEnv: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, "environment variable name").optional(),
});
export type HelperEndpointConfig = z.infer<typeof helperEndpointConfigSchema>;
