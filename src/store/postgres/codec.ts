// The one place the raw measurement's stored encoding is decided: everything written to and read from
// measurements.packed / measurements.raw goes through here. New rows are written by the shared
// measurement-codec.ts (deflate against a shape dictionary plus the row's own columns) into `packed`
// (bytea, PostgreSQL migration 2); rows written before it keep their JSON text in `raw` and read as before.
import type { Measurement } from "../../measurement.js";
import { codecContext, decodeMeasurement as decodeStored, encodeMeasurementJson, type CodecContext } from "../measurement-codec.js";

/** The columns decodeMeasurement needs, in a SELECT list (the codec's context is the row's own facts). */
export const STORED_COLUMNS =
  "id::text AS id, started_ms, probe_id, region, network, url, category, received_at, raw, packed";

export interface StoredRow {
  id: string;
  started_ms: number;
  probe_id: string;
  region: string;
  network: string;
  url: string;
  category: string;
  received_at: string | null;
  raw: string | null;
  packed: Buffer | null;
}

/** The id as PostgreSQL's uuid type gives it back (id::text): lower-case, hyphenated. */
export function canonicalUuid(id: string): string {
  const hex = id.replace(/[{}-]/g, "").toLowerCase();
  return hex.length === 32
    ? `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
    : id.toLowerCase();
}

function rowContext(r: StoredRow): CodecContext {
  return { id: r.id, probeId: r.probe_id, region: r.region, network: r.network, url: r.url, category: r.category,
    startedMs: r.started_ms, receivedAt: r.received_at };
}

/** The value of the `packed` column for a measurement. */
export function encodeMeasurement(m: Measurement): Buffer {
  const context = codecContext(m);
  return encodeMeasurementJson(JSON.stringify(m), { ...context, id: canonicalUuid(context.id) });
}

export function decodeMeasurement(r: StoredRow): Measurement {
  if (r.packed) return decodeStored(r.packed, rowContext(r));
  if (r.raw === null) throw new Error(`measurement ${r.id}: row holds neither packed nor raw JSON`);
  return JSON.parse(r.raw) as Measurement;
}
