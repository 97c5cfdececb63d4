// Service names for target URLs, from the country's whitelist/ file ("Telegram", "Kaspi.kz"), so pages,
// exports and alerts name services rather than URLs. Extra targets without a name read as their host.
import type { KeepWatchConfig } from "./schema.js";
import { loadWhitelist, normalizeUrl } from "./whitelist.js";

export interface TargetInfo {
  name: string;
  category: string;
  list: "whitelisted" | "non_whitelisted";
}

export type TargetNames = ReadonlyMap<string, TargetInfo>;

export function hostOf(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return url;
  }
}

/** URL (normalised) → name and category; an unreadable whitelist file gives only the extras' hosts. */
export function targetNames(config: KeepWatchConfig, whitelistDir?: string): TargetNames {
  const map = new Map<string, TargetInfo>();
  try {
    const wl = loadWhitelist(config.country, whitelistDir);
    for (const e of wl.whitelisted) map.set(normalizeUrl(e.url), { name: e.name, category: e.category, list: "whitelisted" });
    for (const e of wl.nonWhitelisted) map.set(normalizeUrl(e.url), { name: e.name, category: e.category, list: "non_whitelisted" });
  } catch {
    // loadConfig has already reported a bad whitelist file; names fall back to hosts.
  }
  for (const t of config.targets.extra) {
    if (!map.has(normalizeUrl(t.url))) map.set(normalizeUrl(t.url), { name: hostOf(t.url), category: t.category, list: t.list });
  }
  return map;
}

/** "Telegram" for a known URL, the host for another URL, the text itself for anything else. */
export function targetName(names: TargetNames, target: string): string {
  return names.get(normalizeUrl(target))?.name ?? (/^https?:\/\//.test(target) ? hostOf(target) : target);
}
