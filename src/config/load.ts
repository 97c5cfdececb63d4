// Loading a config file: YAML → ${ENV} substitution → region normalisation → zod (configSchema) →
// cross-reference checks (+ the country's whitelist file). Every problem is reported, with its path, in
// one pass; `loadConfig` throws them together as a ConfigError, `checkConfigFile` returns them.
import { existsSync } from "node:fs";
import type { z } from "zod";
import { configSchema, probeConfigSchema, networkConfigSchema, regionConfigSchema, targetConfigSchema, alertChannelSchema } from "./schema.js";
import type { KeepWatchConfig } from "./schema.js";
import { crossCheck } from "./cross-check.js";
import type { ConfigView, Indexed } from "./cross-check.js";
import { substituteEnv } from "./env.js";
import type { Environment } from "./env.js";
import { ConfigError, formatPath, issuesFromZod } from "./errors.js";
import type { ConfigIssue } from "./errors.js";
import { isPlainObject, normalizeRegionReferences } from "./normalize.js";
import { DEFAULT_WHITELIST_DIR, readWhitelist, whitelistPath } from "./whitelist.js";
import { readYamlMappingFile } from "./yaml-file.js";
import { unknownSettingMessage } from "./suggest.js";
import { packagePath } from "../package-root.js";

export const DEFAULT_CONFIG_PATH = packagePath("config", "default.yaml");

export interface LoadOptions {
  /** Source of ${NAME} values; process.env when absent. */
  env?: Environment;
  /** Where whitelist/<country>.yaml files live; the repository's whitelist/ when absent. */
  whitelistDir?: string;
}

export type ConfigResult = { ok: true; config: KeepWatchConfig } | { ok: false; errors: ConfigIssue[] };

const controlSchema = configSchema.shape.controls.unwrap().element;

/** Parse each list item on its own, so one bad probe does not hide another's unknown region. */
function parseItems<T>(list: unknown, schema: z.ZodType<T>): Indexed<T>[] | undefined {
  if (!Array.isArray(list)) return list === undefined ? [] : undefined;
  const out: Indexed<T>[] = [];
  list.forEach((item: unknown, index) => {
    const parsed = schema.safeParse(item);
    if (parsed.success) out.push({ index, value: parsed.data });
  });
  return out;
}

/** zod strips keys it does not know; a key that vanished in parsing is a typo the operator must see. */
function unknownKeys(raw: unknown, parsed: unknown, path: PropertyKey[], issues: ConfigIssue[]): void {
  if (Array.isArray(raw) && Array.isArray(parsed)) {
    raw.forEach((item: unknown, i) => unknownKeys(item, parsed[i], [...path, i], issues));
  } else if (isPlainObject(raw) && isPlainObject(parsed)) {
    for (const key of Object.keys(raw)) {
      if (!Object.hasOwn(parsed, key)) issues.push({ path: formatPath([...path, key]), message: unknownSettingMessage(key, Object.keys(parsed)) });
      else unknownKeys(raw[key], parsed[key], [...path, key], issues);
    }
  }
}

function buildView(doc: Record<string, unknown>, regionIdsAsWritten: Map<number, string>): ConfigView {
  const alerts = isPlainObject(doc.alerts) ? doc.alerts : {};
  const targets = isPlainObject(doc.targets) ? doc.targets : {};
  const schedule = isPlainObject(doc.schedule) ? doc.schedule : {};
  const server = isPlainObject(doc.server) ? doc.server : {};
  const bogons = Array.isArray(doc.bogonExceptions) ? doc.bogonExceptions : [];
  const view: ConfigView = { regionIdsAsWritten, bogonExceptions: [] };
  const regions = parseItems(doc.regions, regionConfigSchema);
  const controls = parseItems(doc.controls, controlSchema);
  const networks = parseItems(doc.networks, networkConfigSchema);
  const probes = parseItems(doc.probes, probeConfigSchema);
  const channels = parseItems(alerts.channels, alertChannelSchema);
  const extraTargets = parseItems(targets.extra, targetConfigSchema);
  if (regions) view.regions = regions;
  if (controls) view.controls = controls;
  if (networks) view.networks = networks;
  if (probes) view.probes = probes;
  if (channels) view.channels = channels;
  if (extraTargets) view.extraTargets = extraTargets;
  bogons.forEach((value: unknown, index) => {
    if (typeof value === "string") view.bogonExceptions?.push({ index, value });
  });
  if (typeof schedule.cron === "string") view.cron = schedule.cron;
  if (typeof server.timezone === "string") view.timezone = server.timezone;
  const retention = isPlainObject(doc.retention) ? doc.retention : {};
  const detector = isPlainObject(doc.detector) ? doc.detector : {};
  view.retention = {};
  if (typeof retention.rollupDays === "number") view.retention.rollupDays = retention.rollupDays;
  if (typeof retention.targetMinuteDays === "number") view.retention.targetMinuteDays = retention.targetMinuteDays;
  if (typeof detector.baselineHours === "number") view.baselineHours = detector.baselineHours;
  return view;
}

function whitelistIssues(doc: Record<string, unknown>, dir: string): ConfigIssue[] {
  const targets = configSchema.shape.targets.safeParse(doc.targets);
  const country = configSchema.shape.country.safeParse(doc.country);
  if (!targets.success || !country.success || !targets.data.fromWhitelist) return [];
  if (!existsSync(whitelistPath(country.data, dir))) {
    return [
      {
        path: "country",
        message: `no whitelist file for "${country.data}" (whitelist/${country.data.toLowerCase()}.yaml); add one or set targets.fromWhitelist: false`,
      },
    ];
  }
  const result = readWhitelist(country.data, dir);
  return result.ok ? [] : result.errors;
}

/** A region outside the built-in table has no names to fill: say that, not "names: expected object". */
function explainRegionNames(issue: ConfigIssue, regionIdsAsWritten: Map<number, string>): ConfigIssue {
  const m = /^regions\[(\d+)\]\.names$/.exec(issue.path);
  const id = m ? regionIdsAsWritten.get(Number(m[1])) : undefined;
  if (id === undefined || !/received undefined/.test(issue.message)) return issue;
  return { path: issue.path, message: `region "${id}" is not in KeepWatch's built-in table (Kazakhstan's regions); give its names: { kk: …, ru: …, en: … }` };
}

/** Validate an already-parsed YAML mapping. */
export function validateConfig(raw: Record<string, unknown>, options: LoadOptions = {}): ConfigResult {
  const envIssues: ConfigIssue[] = [];
  const substituted = substituteEnv(raw, options.env ?? process.env, envIssues) as Record<string, unknown>;
  const issues: ConfigIssue[] = [...envIssues];
  const { doc, regionIdsAsWritten } = normalizeRegionReferences(substituted);

  const shape = configSchema.shape;
  for (const key of Object.keys(doc)) {
    if (!Object.hasOwn(shape, key)) issues.push({ path: formatPath([key]), message: unknownSettingMessage(key, Object.keys(shape)) });
  }
  // Section by section, so a section's unknown keys are found even when another section is invalid.
  for (const [key, schema] of Object.entries(shape) as [string, z.ZodType][]) {
    const parsed = schema.safeParse(doc[key]);
    if (parsed.success) unknownKeys(doc[key], parsed.data, [key], issues);
    else issues.push(...issuesFromZod(parsed.error.issues.map((issue) => ({ ...issue, path: [key, ...issue.path] }))).map((issue) => explainRegionNames(issue, regionIdsAsWritten)));
  }
  issues.push(...crossCheck(buildView(doc, regionIdsAsWritten)));
  issues.push(...whitelistIssues(doc, options.whitelistDir ?? DEFAULT_WHITELIST_DIR));
  if (issues.length > 0) {
    // A missing variable also fails the value's schema ("too small"); the first message is the useful one.
    const envPaths = new Set(envIssues.map((i) => i.path));
    return { ok: false, errors: issues.filter((i) => envIssues.includes(i) || !envPaths.has(i.path)) };
  }

  const config = configSchema.safeParse(doc);
  return config.success ? { ok: true, config: config.data } : { ok: false, errors: issuesFromZod(config.error.issues) };
}

/** For `keepwatch config check [FILE]`: every problem, none thrown. */
export function checkConfigFile(path: string, options: LoadOptions = {}): { ok: boolean; errors: ConfigIssue[] } {
  const read = readYamlMappingFile(path);
  if (!read.ok) return { ok: false, errors: read.errors };
  const result = validateConfig(read.value, options);
  return result.ok ? { ok: true, errors: [] } : { ok: false, errors: result.errors };
}

/** Load and validate a config file (config/default.yaml when no path); throws ConfigError with every problem. */
export function loadConfig(path: string = DEFAULT_CONFIG_PATH, options: LoadOptions = {}): KeepWatchConfig {
  const read = readYamlMappingFile(path);
  if (!read.ok) throw new ConfigError(read.errors, path);
  const result = validateConfig(read.value, options);
  if (!result.ok) throw new ConfigError(result.errors, path);
  return result.config;
}

export { ConfigError, formatConfigErrors } from "./errors.js";
export type { ConfigIssue } from "./errors.js";
