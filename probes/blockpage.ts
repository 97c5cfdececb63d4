// Block-page recognition by fingerprints: what a censor's notice looks like (title or body text, response
// headers), where it lives (addresses that DNS lies point to, hosts that redirects send users to).
// Fingerprints are data: YAML files validated with zod, shipped in probes/fingerprints/ and loadable at runtime.
import { readFile, readdir } from "node:fs/promises";
import net from "node:net";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import type { BlockPageMatch } from "./types.js";

function validRegex(src: string): boolean {
  try {
    new RegExp(src, "iu");
    return true;
  } catch {
    return false;
  }
}

const regexSchema = z.string().min(1).refine(validRegex, { message: "not a valid regular expression" });
const ipSchema = z.string().refine((s) => net.isIP(s) !== 0, { message: "not an IP address" });

export const blockPageFingerprintSchema = z
  .strictObject({
    /** Stable id, e.g. "ru-rostelecom-warning". */
    id: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, "lower-case letters, digits, '.', '_' or '-'"),
    /** ISO 3166-1 alpha-2 country the notice belongs to; null for products seen anywhere. */
    country: z.string().regex(/^[A-Z]{2}$/, "two upper-case letters").nullable(),
    /** OONI / Citizen Lab scope: national, ISP, institution, product, vague blocking word. */
    scope: z.enum(["nat", "isp", "inst", "prod", "vbw"]).optional(),
    description: z.string().optional(),
    /** Where this fingerprint comes from (a URL) and the date that source was read or published. */
    source: z.url(),
    date: z.iso.date(),
    /** The upstream identifier, e.g. "ooni.ru_6", when taken from a public list. */
    upstreamId: z.string().optional(),
    /** Regexes (case-insensitive, unicode) on the decoded <title> and on the decoded body. */
    title: regexSchema.optional(),
    body: regexSchema.optional(),
    /** Response header name (any case) → regex on its value. */
    headers: z.record(z.string().min(1), regexSchema).optional(),
    /** Redirect targets: a Location whose host is one of these, or a subdomain of one. */
    locationHosts: z.array(z.string().min(1)).min(1).optional(),
    /** Regex on the full Location value, for notices that share a host with ordinary pages. */
    location: regexSchema.optional(),
    /** Addresses of block-page servers: DNS answers, or the address a page was fetched from. */
    addresses: z.array(ipSchema).min(1).optional(),
  })
  .refine(
    (f) => [f.title, f.body, f.headers, f.locationHosts, f.location, f.addresses].some((m) => m !== undefined),
    { message: "needs at least one of title, body, headers, locationHosts, location, addresses" },
  );
export type BlockPageFingerprint = z.infer<typeof blockPageFingerprintSchema>;

const fingerprintFileSchema = z.strictObject({ fingerprints: z.array(z.unknown()) });

/** A fingerprint with its regexes built once. */
export interface CompiledFingerprint {
  readonly fingerprint: BlockPageFingerprint;
  readonly title: RegExp | null;
  readonly body: RegExp | null;
  readonly location: RegExp | null;
  readonly headers: ReadonlyArray<readonly [string, RegExp]>;
  readonly locationHosts: readonly string[];
  readonly addresses: ReadonlySet<string>;
}

const rx = (src: string | undefined): RegExp | null => (src === undefined ? null : new RegExp(src, "iu"));
const normalizeIp = (ip: string): string => ip.trim().toLowerCase().replace(/^\[|\]$/g, "");

export function compileFingerprint(fingerprint: BlockPageFingerprint): CompiledFingerprint {
  return {
    fingerprint,
    title: rx(fingerprint.title),
    body: rx(fingerprint.body),
    location: rx(fingerprint.location),
    headers: Object.entries(fingerprint.headers ?? {}).map(([name, src]) => [name.toLowerCase(), new RegExp(src, "iu")] as const),
    locationHosts: (fingerprint.locationHosts ?? []).map((h) => h.toLowerCase().replace(/\.$/, "")),
    addresses: new Set((fingerprint.addresses ?? []).map(normalizeIp)),
  };
}

/** What one HTTP response (or one DNS lookup) showed; every field is optional. */
export interface BlockPageEvidence {
  title?: string | null;
  body?: string | null;
  /** Response headers, names in any case. */
  headers?: Record<string, string | string[] | undefined>;
  /** The Location header, resolved against the request URL or raw. */
  location?: string | null;
  /** DNS answers, or the address the response came from. */
  addresses?: readonly string[];
}

function locationHost(location: string): string | null {
  try {
    return new URL(location, "http://invalid.invalid/").hostname.toLowerCase().replace(/^\[|\]$/g, "");
  } catch {
    return null;
  }
}

const hostMatches = (host: string, pattern: string): boolean => host === pattern || host.endsWith(`.${pattern}`);

function matchOne(fp: CompiledFingerprint, ev: BlockPageEvidence): string | null {
  if (fp.addresses.size > 0 && (ev.addresses ?? []).some((a) => fp.addresses.has(normalizeIp(a)))) return "address";
  if (ev.location) {
    const host = locationHost(ev.location);
    if (host !== null && (fp.locationHosts.some((p) => hostMatches(host, p)) || fp.addresses.has(host))) return "location";
    if (fp.location?.test(ev.location)) return "location";
  }
  if (fp.headers.length > 0 && ev.headers) {
    const lower = new Map(Object.entries(ev.headers).map(([k, v]) => [k.toLowerCase(), v]));
    for (const [name, re] of fp.headers) {
      const value = lower.get(name);
      const values = Array.isArray(value) ? value : value === undefined ? [] : [value];
      if (values.some((v) => re.test(v))) return "header";
    }
  }
  if (fp.title && ev.title && fp.title.test(ev.title)) return "title";
  if (fp.body && ev.body && fp.body.test(ev.body)) return "body";
  return null;
}

/** The first fingerprint the evidence matches, or null. Order of `fingerprints` is priority order. */
export function detectBlockPage(ev: BlockPageEvidence, fingerprints: readonly CompiledFingerprint[]): BlockPageMatch | null {
  for (const fp of fingerprints) {
    const matched = matchOne(fp, ev);
    if (matched !== null) return { id: fp.fingerprint.id, country: fp.fingerprint.country, matched };
  }
  return null;
}

function describeIssue(issue: z.core.$ZodIssue, entries: unknown[]): string {
  const [index, ...rest] = issue.path;
  if (typeof index !== "number") return issue.message;
  const raw = entries[index] as { id?: unknown } | undefined;
  const name = typeof raw?.id === "string" ? `"${raw.id}"` : "(no id)";
  const field = rest.length > 0 ? `${rest.join(".")}: ` : "";
  return `entry #${index + 1} ${name}: ${field}${issue.message}`;
}

/** Parse and validate one fingerprint file's YAML text; `origin` names it in errors. */
export function parseFingerprints(text: string, origin: string): CompiledFingerprint[] {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new Error(`fingerprints ${origin}: not valid YAML: ${(e as Error).message}`);
  }
  const file = fingerprintFileSchema.safeParse(doc);
  if (!file.success) throw new Error(`fingerprints ${origin}: expected a mapping with a "fingerprints" list`);
  const entries = file.data.fingerprints;
  const parsed = z.array(blockPageFingerprintSchema).safeParse(entries);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => describeIssue(i, entries));
    throw new Error(`fingerprints ${origin}: ${lines.join("; ")}`);
  }
  const seen = new Set<string>();
  for (const f of parsed.data) {
    if (seen.has(f.id)) throw new Error(`fingerprints ${origin}: duplicate id "${f.id}"`);
    seen.add(f.id);
  }
  return parsed.data.map(compileFingerprint);
}

export async function loadFingerprintFile(path: string): Promise<CompiledFingerprint[]> {
  return parseFingerprints(await readFile(path, "utf8"), path);
}

/** The directory of fingerprints shipped with KeepWatch. */
export const BUILTIN_FINGERPRINT_DIR = fileURLToPath(new URL("./fingerprints/", import.meta.url));

/**
 * Every *.yaml/*.yml file of a directory (shipped ones by default) plus any extra files, in that order.
 * Ids must be unique across all of them, so an operator's file cannot silently shadow a shipped entry.
 */
export async function loadFingerprints(extraFiles: readonly string[] = [], dir = BUILTIN_FINGERPRINT_DIR): Promise<CompiledFingerprint[]> {
  const names = (await readdir(dir)).filter((n) => /\.ya?ml$/.test(n)).sort();
  const all: CompiledFingerprint[] = [];
  for (const path of [...names.map((n) => join(dir, n)), ...extraFiles]) all.push(...(await loadFingerprintFile(path)));
  const seen = new Map<string, number>();
  for (const fp of all) seen.set(fp.fingerprint.id, (seen.get(fp.fingerprint.id) ?? 0) + 1);
  const dup = [...seen].find(([, n]) => n > 1);
  if (dup) throw new Error(`fingerprints: id "${dup[0]}" is defined more than once`);
  return all;
}
