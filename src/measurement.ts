// The Measurement: the one type that crosses every stage (probe → queue/upload → store → detector →
// exports). Versioned: readers accept every version they know; writers always write the newest.
import { z } from "zod";
import { networkIdSchema, probeIdSchema, regionIdSchema } from "./ids.js";
import { throughputResultSchema, verdictSchema, webCheckSchema } from "../probes/types.js";

export const MEASUREMENT_VERSION = 1 as const;

export const LISTS = ["whitelisted", "non_whitelisted"] as const;
export const listSchema = z.enum(LISTS);
export type TargetList = z.infer<typeof listSchema>;

export const networkKindSchema = z.enum(["mobile", "fixed", "unknown"]);
export type NetworkKind = z.infer<typeof networkKindSchema>;

/** Region ids are ISO 3166-2 style ("KZ-75", "KZ-ALA"), or "CONTROL" style ids for control vantages. */
export { regionIdSchema };

/** How the server judged an attribution at upload (set by the server, never taken from the upload). */
export const ATTRIBUTION_VERDICTS = [
  /** The sealed ASN is the probe's registered network's: counted. */
  "registered-network",
  /** The sealed ASN is another network's (a mobile probe fallen back to home Wi-Fi): stored, never counted. */
  "other-network",
  /** The local address or route changed and no answer confirmed the network yet: counted (see README). */
  "unattributed",
  /** No valid server seal: the claim is the upload's, so it is ignored and the measurement counted as before. */
  "unverified",
  /** Sealed, but the address is in no table or the registered network has no ASN: counted. */
  "unknown",
] as const;

export const attributionSchema = z.object({
  /** confirmed: the server named the network and the local address set and route did not change since. */
  status: z.enum(["confirmed", "unattributed"]),
  asn: z.number().int().nonnegative().nullable(),
  country: z.string().regex(/^[A-Z]{2}$/).nullable(),
  /** When the server named it (its whoami answer); null when unattributed. */
  confirmedAt: z.string().datetime().nullable(),
  /** The server's HMAC over probe, ASN, country and confirmedAt: only what it sealed is believed. */
  seal: z.string().max(100).nullable(),
  verdict: z.enum(ATTRIBUTION_VERDICTS).optional(),
});
export type Attribution = z.infer<typeof attributionSchema>;

export const measurementSchema = z.object({
  version: z.literal(MEASUREMENT_VERSION),
  /** Client-generated UUID: the idempotency key for redelivery and re-upload. */
  id: z.string().uuid(),
  probe: z.object({
    id: probeIdSchema,
    /** "region" measures a region; "control" is the vantage that tells site outages from blocking. */
    role: z.enum(["region", "control"]),
    software: z.string().max(64),
  }),
  region: regionIdSchema,
  network: z.object({
    /** Network id from the config, e.g. "kcell-mobile". */
    id: networkIdSchema,
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
  /**
   * ISO 8601 UTC time the server received it (set by the upload route or the worker that queued it, never
   * taken from an upload). Absent in measurements stored before it existed.
   */
  receivedAt: z.string().datetime().optional(),
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
  /**
   * Which network the agent's address was in when it measured, as the server named it (GET /agent/whoami),
   * absent when the producer does not report it (workers, older agents). See src/attribution/.
   */
  attribution: attributionSchema.optional(),
});
export type Measurement = z.infer<typeof measurementSchema>;

/** True when the agent's own gateway or resolver check failed in the round that produced `m`. */
export function isLocalFailure(m: Pick<Measurement, "local">): boolean {
  return m.local !== undefined && (m.local.gateway === "unreachable" || m.local.gateway === "none" || m.local.resolver === "unreachable");
}

/** Taken on a network other than the probe's registered one (server verdict): stored, never counted. */
export function isOffNetwork(m: Pick<Measurement, "attribution">): boolean {
  return m.attribution?.verdict === "other-network";
}

/** Whether the detector leaves a measurement out: the volunteer's own outage, or another network's. */
export function isUncounted(m: Pick<Measurement, "local" | "attribution">): boolean {
  return isLocalFailure(m) || isOffNetwork(m);
}

/** Nothing KeepWatch measured predates this; an older date is a broken clock or a forgery. */
export const PROJECT_EPOCH = new Date("2020-01-01T00:00:00.000Z");
/** Default for server.maxClockSkewSeconds: how far after its receive time a measurement may be dated. */
export const DEFAULT_MAX_CLOCK_SKEW_MS = 10 * 60_000;

/**
 * Why a startedAt is out of bounds (before PROJECT_EPOCH, or after the receive time plus the allowed
 * skew), or null. Checked at upload and again by the collector, for every producer.
 */
export function startedAtProblem(startedAt: string, receivedAt: Date, maxClockSkewMs: number): string | null {
  const started = Date.parse(startedAt);
  if (started < PROJECT_EPOCH.getTime()) {
    return `startedAt ${startedAt} is before ${PROJECT_EPOCH.toISOString()}: check the probe's clock`;
  }
  if (started > receivedAt.getTime() + maxClockSkewMs) {
    return `startedAt ${startedAt} is after the server's receive time ${receivedAt.toISOString()} ` +
      `plus ${Math.round(maxClockSkewMs / 1000)} s: check the probe's clock`;
  }
  return null;
}

/** Who took a measurement: for configured probes, what the server's registry says (src/registry). */
export interface ProbeIdentity {
  probeId: string;
  role: "region" | "control";
  region: string;
  network: { id: string; asn: number | null; kind: NetworkKind };
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
  /** The server's receive time; null for rows stored before it was recorded. */
  receivedAt: string | null;
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
    receivedAt: m.receivedAt ?? null,
    accessible: m.verdict.accessible,
    blocking: m.verdict.blocking,
    failure: m.verdict.failure,
    dnsFailure,
    tlsHandshakeTime: handshake,
    bytesPerSecond: m.throughput?.bytesPerSecond ?? null,
  };
}
