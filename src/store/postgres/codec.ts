// The one place the raw measurement's stored encoding is decided: everything written to and read from
// measurements.packed / measurements.raw goes through here. New rows are written by the shared
// measurement-codec.ts (deflate against a shape dictionary plus the row's own columns) into `packed`
// (bytea, PostgreSQL migration 2); rows written before it keep their JSON text in `raw` and read as before.
import type { Measurement } from "../../measurement.js";
import { codecContext, decodeMeasurement as decodeStored, encodeMeasurementJson, type CodecContext } from "../measurement-codec.js";

/** The id as PostgreSQL's uuid type gives it back (id::text): lower-case, hyphenated. */
export function canonicalUuid(id: string): string {
  const hex = id.replace(/[{}-]/g, "").toLowerCase();
  return hex.length === 32
    ? `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
    : id.toLowerCase();
}

/** The value of the `packed` column for a measurement. */
export function encodeMeasurement(m: Measurement): Buffer {
  const context = codecContext(m);
  return encodeMeasurementJson(JSON.stringify(m), { ...context, id: canonicalUuid(context.id) });
}

/** The measurement of a row: `packed` decoded with the row's facts as context, else the JSON text in `raw`. */
export function decodeMeasurement(packed: Buffer | null, raw: string | null, context: CodecContext): Measurement {
  if (packed) return decodeStored(packed, context);
  if (raw === null) throw new Error(`measurement ${context.id}: row holds neither packed nor raw JSON`);
  return JSON.parse(raw) as Measurement;
}
