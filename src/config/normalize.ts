// Before schema validation: region codes to their canonical numeric form (KZ-ALA → KZ-75) wherever a
// region is referenced, and names filled from the built-in table so a config may list regions by id only.
import { canonicalRegionId, findRegion } from "./regions.js";

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function canonicalIfString(value: unknown): unknown {
  return typeof value === "string" ? canonicalRegionId(value) : value;
}

export interface NormalizedDocument {
  doc: Record<string, unknown>;
  /** regions[i].id as written, for messages that must point at the operator's own text. */
  regionIdsAsWritten: Map<number, string>;
}

export function normalizeRegionReferences(input: Record<string, unknown>): NormalizedDocument {
  const doc: Record<string, unknown> = { ...input };
  const regionIdsAsWritten = new Map<number, string>();

  if (Array.isArray(doc.regions)) {
    doc.regions = doc.regions.map((item: unknown, i) => {
      if (!isPlainObject(item) || typeof item.id !== "string") return item;
      regionIdsAsWritten.set(i, item.id);
      const known = findRegion(item.id);
      if (known === undefined) return item;
      // Names given in the file win, per language; the table fills the rest.
      const names = item.names === undefined ? { ...known.names } : isPlainObject(item.names) ? { ...known.names, ...item.names } : item.names;
      return { ...item, id: known.id, names };
    });
  }
  if (Array.isArray(doc.probes)) {
    doc.probes = doc.probes.map((item: unknown) => (isPlainObject(item) ? { ...item, region: canonicalIfString(item.region) } : item));
  }
  if (isPlainObject(doc.alerts) && Array.isArray(doc.alerts.channels)) {
    doc.alerts = {
      ...doc.alerts,
      channels: doc.alerts.channels.map((item: unknown) =>
        isPlainObject(item) && Array.isArray(item.regions) ? { ...item, regions: item.regions.map(canonicalIfString) } : item,
      ),
    };
  }
  return { doc, regionIdsAsWritten };
}
