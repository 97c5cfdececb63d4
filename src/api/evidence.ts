// The evidence fingerprint published with every incident, so a reader can check that the measurements they
// downloaded are the ones the verdict rests on.
//
// Canonical evidence set = the JSON text, without whitespace, of
//   {"counts":{<evidence.counts with keys sorted>},"measurementIds":[<evidence.measurementIds sorted>]}
// (keys in that order, strings sorted by UTF-16 code unit, which for ids and count names is plain ASCII order),
// encoded as UTF-8; evidenceSha256 is its SHA-256 in lower-case hex. It is what `jq -cS` prints, so
//   curl -s $API/incidents/$ID | jq -cS '.incident.evidence | {counts, measurementIds: (.measurementIds|sort)}' \
//     | tr -d '\n' | sha256sum
// reproduces it.
import { createHash } from "node:crypto";
import type { Evidence } from "../incident.js";

export function canonicalEvidence(evidence: Pick<Evidence, "counts" | "measurementIds">): string {
  const counts: Record<string, number> = {};
  for (const k of Object.keys(evidence.counts).sort()) counts[k] = evidence.counts[k] ?? 0;
  const measurementIds = [...evidence.measurementIds].sort();
  return JSON.stringify({ counts, measurementIds });
}

export function evidenceSha256(evidence: Pick<Evidence, "counts" | "measurementIds">): string {
  return createHash("sha256").update(canonicalEvidence(evidence), "utf8").digest("hex");
}
