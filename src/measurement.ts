// The Measurement: the one type that crosses every stage (probe → queue/upload → store → detector →
// exports). Versioned: readers accept every version they know; writers always write the newest.
import { z } from "zod";
import { throughputResultSchema, verdictSchema, webCheckSchema } from "../probes/types.js";

export const MEASUREMENT_VERSION = 1 as const;

export const LISTS = ["whitelisted", "non_whitelisted"] as const;
export const listSchema = z.enum(LISTS);
export type TargetList = z.infer<typeof listSchema>;

export const networkKindSchema = z.enum(["mobile", "fixed", "unknown"]);
export type NetworkKind = z.infer<typeof networkKindSchema>;

/** Region ids are ISO 3166-2 style ("KZ-75", "KZ-ALA"), or "CONTROL" style ids for control vantages. */
export const regionIdSchema = z.string().regex(/^[A-Z]{2}(-[A-Z0-9]{1,3})?$|^[A-Z][A-Z0-9_-]{1,31}$/, "region id");

export const measurementSchema = z.object({
  version: z.literal(MEASUREMENT_VERSION),
  /** Client-generated UUID: the idempotency key for redelivery and re-upload. */
  id: z.string().uuid(),
  probe: z.object({
    id: z.string().min(1).max(64),
    /** "region" measures a region; "control" is the vantage that tells site outages from blocking. */
    role: z.enum(["region", "control"]),
    software: z.string().max(64),
  }),
  region: regionIdSchema,
  network: z.object({
    /** Network id from the config, e.g. "kcell-mobile". */
    id: z.string().min(1).max(64),
    asn: z.number().int().nonnegative().nullable(),
    kind: networkKindSchema,
  }),
  target: z.object({
    url: z.string().url().max(2048),
    list: listSchema,
    category: z.string().max(64),
  }),
  /** ISO 8601 UTC time the check started. */
  startedAt: z.string().datetime(),
  /** The site check's layers (DNS, TCP, TLS, HTTP); its verdict is lifted to the top level. */
  check: webCheckSchema.omit({ verdict: true }),
  /** { accessible, blocking, failure, determined }: read by other tools as `verdict.*`. */
  verdict: verdictSchema,
  throughput: throughputResultSchema.nullable(),
  /**
   * The agent's own connectivity in this round (src/agent/local-check.ts), absent when not checked. A
   * round whose default gateway or local resolver did not answer is the volunteer's outage (Wi-Fi down,
   * laptop waking), not the network's: stored, but never counted by the detector (isLocalFailure).
   */
  local: z.object({
    /** ok: the default gateway answered; unreachable: it did not; none: no default route; unknown: not checkable. */
    gateway: z.enum(["ok", "unreachable", "none", "unknown"]),
    /** ok: the local resolver answered (any answer); unreachable: it did not; none: none configured; unknown: not checked. */
    resolver: z.enum(["ok", "unreachable", "none", "unknown"]),
  }).optional(),
});
export type Measurement = z.infer<typeof measurementSchema>;

/** True when the agent's own gateway or resolver check failed in the round that produced `m`. */
export function isLocalFailure(m: Pick<Measurement, "local">): boolean {
  return m.local !== undefined && (m.local.gateway === "unreachable" || m.local.gateway === "none" || m.local.resolver === "unreachable");
}

/** The flat facts the store indexes and the detector reads, derived once from a Measurement. */
export interface MeasurementFacts {
  id: string;
  probeId: string;
  role: "region" | "control";
  region: string;
  network: string;
  asn: number | null;
  networkKind: NetworkKind;
  url: string;
  list: TargetList;
  category: string;
  startedAt: string;
  accessible: boolean;
  blocking: string | null;
  failure: string | null;
  dnsFailure: string | null;
  tlsHandshakeTime: number | null;
  bytesPerSecond: number | null;
}

export function measurementFacts(m: Measurement): MeasurementFacts {
  const dnsFailure = m.check.dns.find((d) => d.failure !== null)?.failure ?? null;
  const handshake = m.check.tls.find((t) => t.handshakeTime !== null)?.handshakeTime ?? null;
  return {
    id: m.id,
    probeId: m.probe.id,
    role: m.probe.role,
    region: m.region,
    network: m.network.id,
    asn: m.network.asn,
    networkKind: m.network.kind,
    url: m.target.url,
    list: m.target.list,
    category: m.target.category,
    startedAt: m.startedAt,
    accessible: m.verdict.accessible,
    blocking: m.verdict.blocking,
    failure: m.verdict.failure,
    dnsFailure,
    tlsHandshakeTime: handshake,
    bytesPerSecond: m.throughput?.bytesPerSecond ?? null,
  };
}
