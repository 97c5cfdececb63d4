// whitelist/<country>.yaml: the services that stayed reachable under a whitelist regime, and control
// targets that are NOT on such lists. The detector's whitelist_only verdict rests on this split, so every
// entry carries the public report it comes from, a date, and how sure we are of the domain.
import { join } from "node:path";
import { z } from "zod";
import { ConfigError, issuesFromZod, prefixIssues } from "./errors.js";
import type { ConfigIssue } from "./errors.js";
import { readYamlMappingFile } from "./yaml-file.js";
import { packagePath } from "../package-root.js";

export const DEFAULT_WHITELIST_DIR = packagePath("whitelist") + "/";

const webUrl = z
  .string()
  .url()
  .refine((u) => /^https?:\/\//i.test(u), "must be an http:// or https:// URL");

const baseEntry = {
  url: webUrl,
  /** The service as the source names it ("Sberbank", "Tengrinews.kz"). */
  name: z.string().min(1).max(200),
  category: z.string().regex(/^[a-z][a-z0-9-]{0,63}$/, "category: lower-case letters, digits, dashes"),
  /** URL of the public report this entry rests on. */
  source: webUrl,
  /** Date of the event or list publication the source reports: YYYY-MM-DD, or YYYY-MM when the day is unknown. */
  date: z.union([z.iso.date(), z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/)], { error: "date: YYYY-MM-DD or YYYY-MM" }),
  /**
   * stated: the source names this domain; mapped: the source names the service and the domain is our
   * mapping; uncertain: the mapping or the membership is doubtful — verify before citing.
   */
  certainty: z.enum(["stated", "mapped", "uncertain"]),
  note: z.string().max(1000).optional(),
  /** Measure throughput on this URL (only for a fixed-size object). */
  throughput: z.boolean().default(false),
};

export const whitelistedEntrySchema = z.strictObject(baseEntry);

export const controlEntrySchema = z.strictObject({
  ...baseEntry,
  /** blocked: reported blocked/unreachable in a regime; not-listed: absent from a published whitelist. */
  basis: z.enum(["blocked", "not-listed"]),
});

export const whitelistFileSchema = z.strictObject({
  version: z.literal(1),
  country: z.string().regex(/^[A-Z]{2}$/, "country: ISO 3166-1 alpha-2, upper case"),
  /** When the list was last reviewed (YYYY-MM-DD). */
  updated: z.iso.date(),
  description: z.string().max(4000).optional(),
  whitelisted: z.array(whitelistedEntrySchema).min(1),
  nonWhitelisted: z.array(controlEntrySchema).min(1),
});
export type WhitelistFile = z.infer<typeof whitelistFileSchema>;
export type WhitelistedEntry = z.infer<typeof whitelistedEntrySchema>;
export type ControlEntry = z.infer<typeof controlEntrySchema>;

/**
 * Canonical form used to compare URLs: host lower-cased and in punycode, default port and fragment dropped,
 * "/" path added, and the root's trailing dot dropped ("tengrinews.kz." is the same site, and an operator's
 * copy-paste from a DNS tool must not put one service on both lists or measure it twice).
 */
export function normalizeUrl(url: string): string {
  try {
    const u = new URL(url);
    u.hash = "";
    if (u.hostname.length > 1 && u.hostname.endsWith(".")) u.hostname = u.hostname.slice(0, -1);
    return u.href;
  } catch {
    return url;
  }
}

export function whitelistPath(country: string, dir: string = DEFAULT_WHITELIST_DIR): string {
  return join(dir, `${country.toLowerCase()}.yaml`);
}

export type WhitelistResult = { ok: true; whitelist: WhitelistFile } | { ok: false; errors: ConfigIssue[] };

/** Schema plus the checks zod cannot express: country matches, each URL appears once across both lists. */
export function validateWhitelist(value: unknown, expectedCountry?: string): WhitelistResult {
  const parsed = whitelistFileSchema.safeParse(value);
  if (!parsed.success) return { ok: false, errors: issuesFromZod(parsed.error.issues) };
  const whitelist = parsed.data;
  const errors: ConfigIssue[] = [];
  if (expectedCountry !== undefined && whitelist.country !== expectedCountry) {
    errors.push({ path: "country", message: `file is for "${whitelist.country}" but was loaded for "${expectedCountry}"` });
  }
  const seen = new Map<string, string>();
  const check = (list: "whitelisted" | "nonWhitelisted", entries: ReadonlyArray<{ url: string }>) => {
    entries.forEach((entry, i) => {
      const key = normalizeUrl(entry.url);
      const path = `${list}[${i}].url`;
      const first = seen.get(key);
      if (first !== undefined) errors.push({ path, message: `duplicate URL "${entry.url}" (also at ${first})` });
      else seen.set(key, path);
    });
  };
  check("whitelisted", whitelist.whitelisted);
  check("nonWhitelisted", whitelist.nonWhitelisted);
  return errors.length > 0 ? { ok: false, errors } : { ok: true, whitelist };
}

/** Read and validate whitelist/<country>.yaml; issues are prefixed with the file name. */
export function readWhitelist(country: string, dir: string = DEFAULT_WHITELIST_DIR): WhitelistResult {
  const file = whitelistPath(country, dir);
  const label = `whitelist/${country.toLowerCase()}.yaml`;
  const read = readYamlMappingFile(file);
  if (!read.ok) return { ok: false, errors: prefixIssues(label, read.errors) };
  const result = validateWhitelist(read.value, country);
  return result.ok ? result : { ok: false, errors: prefixIssues(label, result.errors) };
}

/** Like readWhitelist, but throws a ConfigError carrying every problem. */
export function loadWhitelist(country: string, dir: string = DEFAULT_WHITELIST_DIR): WhitelistFile {
  const result = readWhitelist(country, dir);
  if (!result.ok) throw new ConfigError(result.errors, whitelistPath(country, dir));
  return result.whitelist;
}
