// One schema per kind of id, shared by the configuration, the admin API, the CLI and the upload checks.
// Ids end up in SQL parameters, file names, log lines, HTTP headers and queue names: printable ASCII from a
// small alphabet only, so "' OR 1=1 --", CR/LF, look-alike Unicode and 65+ characters never get in.
import { z } from "zod";

/** Probe ids: "aktau-1", "local_1", "control.vps" (letters, digits, _ . -; at most 64). */
export const PROBE_ID_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,63}$/;
/** Network ids: "kcell-mobile" (lower-case letters, digits, dashes; at most 64). */
export const NETWORK_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,63}$/;
/** Region ids: ISO 3166-2 ("KZ-75", "KZ-ALA") or a control vantage ("CONTROL", "EU_VPS"). */
export const REGION_ID_PATTERN = /^[A-Z]{2}-[A-Z0-9]{1,3}$|^[A-Z][A-Z0-9_-]{1,31}$/;

export const ID_MESSAGES = {
  probe: "probe id: 1-64 characters, letters, digits, _ . - (starting with a letter or digit)",
  network: "network id: 1-64 characters, lower-case letters, digits, dashes",
  region: "region id: an ISO 3166-2 code like KZ-75, or a control id like CONTROL (upper-case, at most 32)",
} as const;

export const probeIdSchema = z.string().regex(PROBE_ID_PATTERN, ID_MESSAGES.probe);
export const networkIdSchema = z.string().regex(NETWORK_ID_PATTERN, ID_MESSAGES.network);
export const regionIdSchema = z.string().regex(REGION_ID_PATTERN, ID_MESSAGES.region);

export type IdKind = keyof typeof ID_MESSAGES;
const SCHEMAS = { probe: probeIdSchema, network: networkIdSchema, region: regionIdSchema } as const;

/** Null when `value` is a valid id of that kind, else a message that does not echo the value. */
export function idProblem(kind: IdKind, value: string): string | null {
  return SCHEMAS[kind].safeParse(value).success ? null : `invalid ${ID_MESSAGES[kind]}`;
}
