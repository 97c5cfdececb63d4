// A finding with its bounds turned into an Incident (the public contract), with a stable id. Pure.
import { createHash } from "node:crypto";
import type { Incident } from "../incident.js";
import type { Bounds } from "./bounds.js";
import type { Finding } from "./types.js";
import { summarize } from "./summary.js";

/** Evidence keeps at most this many measurement ids; `counts` has the totals. */
export const MAX_EVIDENCE_IDS = 50;

/** Stable across passes and restarts: the same region, network, kind and start give the same id. */
export function incidentId(region: string, network: string | null, kind: string, startedAt: string): string {
  const startEpoch = Math.floor(Date.parse(startedAt) / 1000);
  const hash = createHash("sha256").update(`${region}|${network ?? "*"}|${kind}|${startEpoch}`).digest("hex");
  return `${region.toLowerCase()}-${hash.slice(0, 16)}`;
}

export interface BuildInput {
  finding: Finding;
  bounds: Bounds;
  measurementIds: readonly string[];
  regionName?: string;
}

export function buildIncident({ finding: f, bounds, measurementIds, regionName }: BuildInput, id?: string): Incident {
  const summary = summarize({
    kind: f.kind, region: f.region, network: f.network, startedAt: bounds.startedAt, endedAt: bounds.endedAt,
    lastGoodAt: bounds.lastGoodAt, targets: f.targets, figures: f.figures,
    ...(regionName !== undefined ? { regionName } : {}),
  });
  const ended = bounds.endReason !== undefined && bounds.endedAt !== null;
  return {
    id: id ?? incidentId(f.region, f.network, f.kind, bounds.startedAt),
    region: f.region,
    network: f.network,
    kind: f.kind,
    status: bounds.endedAt === null ? "open" : "closed",
    startedAt: bounds.startedAt,
    lastGoodAt: bounds.lastGoodAt,
    endedAt: bounds.endedAt,
    targets: [...f.targets],
    summary: ended ? `${summary} Closed: ${bounds.endReason} (not seen unblocked).` : summary,
    ...(ended ? { endReason: bounds.endReason } : {}),
    confidence: f.confidence,
    evidence: {
      measurementIds: measurementIds.slice(0, MAX_EVIDENCE_IDS),
      counts: { ...f.counts, measurementIds: measurementIds.length },
      probes: [...f.probes],
      networks: [...f.networks],
      figures: { ...f.figures },
    },
    revisedAt: null,
    revisions: [],
  };
}
