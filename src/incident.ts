// The Incident: what the detector publishes. Field names are a public contract
// (../shared/ARCHITECTURE.md): change them only additively.
import { z } from "zod";

export const INCIDENT_KINDS = [
  "full_shutdown",
  "whitelist_only",
  "service_blocking",
  "throttling",
  "dns_interference",
  "dark",
] as const;
export const incidentKindSchema = z.enum(INCIDENT_KINDS);
export type IncidentKind = z.infer<typeof incidentKindSchema>;

/** A region or network's state: normal, or the kind of the incident it is in. */
export type RegionState = "normal" | IncidentKind;

export const revisionSchema = z.object({
  at: z.string(),
  field: z.string(),
  from: z.unknown(),
  to: z.unknown(),
  reason: z.string(),
});

export const evidenceSchema = z.object({
  /** Measurement ids behind the verdict (capped; `counts` has the totals). */
  measurementIds: z.array(z.string()),
  counts: z.record(z.string(), z.number()),
  probes: z.array(z.string()),
  networks: z.array(z.string()),
  /** Free-form per-kind figures, e.g. baseline vs observed throughput. */
  figures: z.record(z.string(), z.number()),
});
export type Evidence = z.infer<typeof evidenceSchema>;

export const incidentSchema = z.object({
  id: z.string(),
  region: z.string(),
  /** Network id, or null when the incident covers the whole region (e.g. `dark`). */
  network: z.string().nullable(),
  kind: incidentKindSchema,
  status: z.enum(["open", "closed"]),
  /** First bad measurement. */
  startedAt: z.string(),
  /** Last normal measurement before the incident, null when none is known. */
  lastGoodAt: z.string().nullable(),
  endedAt: z.string().nullable(),
  /** Target URLs (or categories) the incident is about. */
  targets: z.array(z.string()),
  summary: z.string(),
  confidence: z.enum(["confirmed", "suspected"]),
  evidence: evidenceSchema,
  /** Why a closed incident ended when not because things worked again (e.g. "target no longer measured"). */
  endReason: z.string().nullable().optional(),
  /** Set when late data changed an incident after it was first published. */
  revisedAt: z.string().nullable(),
  revisions: z.array(revisionSchema),
});
export type Incident = z.infer<typeof incidentSchema>;

/** The reason a withdrawn incident's closing revision starts with (the detector's re-evaluation wrote it). */
export const WITHDRAWN = "re-evaluation with late measurements no longer shows this incident";

/**
 * When the detector withdrew the incident (later data no longer shows it), or null. Everything a reader
 * may quote — summaries, previews, the permalink — says so: a withdrawn finding must not read as a finding.
 */
export function withdrawnAt(i: Pick<Incident, "revisions">): string | null {
  return i.revisions.find((r) => r.field === "status" && r.to === "closed" && r.reason.startsWith(WITHDRAWN))?.at ?? null;
}
