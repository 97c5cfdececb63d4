// The target list the scheduler measures: the country's whitelist/ file (whitelisted + control targets)
// capped by maxPerList, then `targets.extra`. One entry per URL: an extra entry replaces a whitelist entry
// with the same URL in place, and a later extra entry replaces an earlier one.
import type { KeepWatchConfig, TargetConfig } from "./schema.js";
import { DEFAULT_WHITELIST_DIR, loadWhitelist, normalizeUrl } from "./whitelist.js";
import type { WhitelistFile } from "./whitelist.js";

/** The whitelist file's entries as targets, in file order, at most `maxPerList` per list (0 = all). */
export function whitelistTargets(whitelist: WhitelistFile, maxPerList = 0): TargetConfig[] {
  const cap = <T>(entries: T[]) => (maxPerList > 0 ? entries.slice(0, maxPerList) : entries);
  return [
    ...cap(whitelist.whitelisted).map((e) => ({ url: e.url, list: "whitelisted" as const, category: e.category, throughput: e.throughput })),
    ...cap(whitelist.nonWhitelisted).map((e) => ({ url: e.url, list: "non_whitelisted" as const, category: e.category, throughput: e.throughput })),
  ];
}

/** Merge target lists left to right, one entry per (normalised) URL, keeping the first one's position. */
export function mergeTargets(...lists: TargetConfig[][]): TargetConfig[] {
  const byUrl = new Map<string, TargetConfig>();
  for (const list of lists) {
    for (const target of list) byUrl.set(normalizeUrl(target.url), target);
  }
  return [...byUrl.values()];
}

export interface BuildTargetsOptions {
  whitelistDir?: string;
  /** A whitelist already loaded (skips reading whitelist/). */
  whitelist?: WhitelistFile;
}

/** Targets for a validated config. Throws ConfigError only if the whitelist file is bad (loadConfig checks it). */
export function buildTargets(config: KeepWatchConfig, options: BuildTargetsOptions = {}): TargetConfig[] {
  const fromWhitelist = config.targets.fromWhitelist
    ? whitelistTargets(options.whitelist ?? loadWhitelist(config.country, options.whitelistDir ?? DEFAULT_WHITELIST_DIR), config.targets.maxPerList)
    : [];
  return mergeTargets(fromWhitelist, config.targets.extra);
}
