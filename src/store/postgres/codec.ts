// The one place the raw measurement's stored encoding is decided: everything written to and read from
// measurements.raw goes through this pair. (A compact encoding can replace JSON here without touching SQL.)
import type { Measurement } from "../../measurement.js";

export function encodeMeasurement(m: Measurement): string {
  return JSON.stringify(m);
}

export function decodeMeasurement(raw: string): Measurement {
  return JSON.parse(raw) as Measurement;
}
