// The measurement CSV format (RFC 4180, header row, UTF-8, CRLF line ends). Columns are a public contract:
// add at the end, never reorder.
import type { KeepWatchConfig } from "../config/schema.js";
import { targetName, targetNames, type TargetNames } from "../config/target-names.js";
import { measurementFacts, type Measurement } from "../measurement.js";

/** One measurement's columns, the head of every measurement CSV. */
const MEASUREMENT_COLUMNS = [
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
  // Added for readers of the file: names next to the ids.
  "region_name",
  "network_name",
  "service",
] as const;

/**
 * Last on every row of every CSV: true when the file comes from a `keepwatch serve --demo` (synthetic data,
 * nothing measured). A downloaded file has no HTTP header left to say so.
 */
export const DEMO_COLUMN = "demo";

/** The measurement export: the measurement columns, then demo. */
export const CSV_COLUMNS = [...MEASUREMENT_COLUMNS, DEMO_COLUMN] as const;

/** The incident CSV: the measurement columns, the incident's verification on every row, then demo. */
export const INCIDENT_CSV_COLUMNS = [...MEASUREMENT_COLUMNS, "incident_verified_by", "incident_verified_at", DEMO_COLUMN] as const;

/** Names for the CSV's name columns: regions in one language, networks, and services from whitelist/. */
export interface CsvNames {
  region: (id: string) => string;
  network: (id: string) => string;
  service: (url: string) => string;
}

export function csvNames(config: KeepWatchConfig, lang: "kk" | "ru" | "en" = "en", names: TargetNames = targetNames(config)): CsvNames {
  return {
    region: (id) => config.regions.find((r) => r.id === id)?.names[lang] ?? id,
    network: (id) => config.networks.find((n) => n.id === id)?.name ?? id,
    service: (url) => targetName(names, url),
  };
}

/** Figures rounded to what the instruments can tell (ms for handshakes, whole bytes per second). */
const round = (v: number | null, digits: number): number | null => (v === null ? null : Math.round(v * 10 ** digits) / 10 ** digits);

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

/** A UTF-8 byte-order mark, for spreadsheets that otherwise read UTF-8 Cyrillic as mojibake. */
export const BOM = "\uFEFF";

/** A measurement export row; `demo` fills the last column. */
export function csvRow(m: Measurement, names?: CsvNames, demo = false): string {
  return csvLine([...measurementCells(m, names), demo]);
}

/** The measurement columns' values of one measurement (MEASUREMENT_COLUMNS, in order). */
export function measurementCells(m: Measurement, names?: CsvNames): (string | number | boolean | null)[] {
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
    round(f.tlsHandshakeTime, 3),
    round(f.bytesPerSecond, 0),
    names ? names.region(f.region) : null,
    names ? names.network(f.network) : null,
    names ? names.service(f.url) : null,
  ];
  return values;
}
