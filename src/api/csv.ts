// The measurement CSV format (RFC 4180, header row, UTF-8, CRLF line ends). Columns are a public contract:
// add at the end, never reorder.
import { measurementFacts, type Measurement } from "../measurement.js";

export const CSV_COLUMNS = [
  "id",
  "startedAt",
  "region",
  "network",
  "asn",
  "probe",
  "url",
  "list",
  "category",
  "accessible",
  "blocking",
  "failure",
  "dns_failure",
  "tls_handshake_s",
  "bytes_per_second",
] as const;

function field(v: string | number | boolean | null): string {
  if (v === null) return "";
  const s = String(v);
  // Quote anything a spreadsheet could misread; a leading = + - @ is neutralised against formula injection.
  const guarded = /^[=+\-@\t\r]/.test(s) && typeof v === "string" ? `'${s}` : s;
  return /[",\r\n]/.test(guarded) ? `"${guarded.replaceAll('"', '""')}"` : guarded;
}

/** One CSV line of any values, quoted and guarded as the measurement rows are. */
export function csvLine(values: readonly (string | number | boolean | null)[]): string {
  return `${values.map(field).join(",")}\r\n`;
}

export function csvHeader(): string {
  return `${CSV_COLUMNS.join(",")}\r\n`;
}

export function csvRow(m: Measurement): string {
  const f = measurementFacts(m);
  const values: (string | number | boolean | null)[] = [
    f.id,
    f.startedAt,
    f.region,
    f.network,
    f.asn,
    f.probeId,
    f.url,
    f.list,
    f.category,
    f.accessible,
    f.blocking,
    f.failure,
    f.dnsFailure,
    f.tlsHandshakeTime,
    f.bytesPerSecond,
  ];
  return `${values.map(field).join(",")}\r\n`;
}
