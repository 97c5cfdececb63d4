// Targets for commands that run without a server configuration: a country's whitelist/ file.
import type { TargetConfig } from "../config/schema.js";
import { whitelistTargets } from "../config/targets.js";
import { loadWhitelist } from "../config/whitelist.js";

export function buildTargetsForCountry(country: string): TargetConfig[] {
  return whitelistTargets(loadWhitelist(country.toUpperCase()));
}
