// Where this machine is, as its operator confirmed it (`keepwatch setup`). The shipped configuration's local
// probe says `confirmed: false`: until someone states the region and network the machine sits in, serve
// does not measure with it, so a fresh `npm start` never files this machine's internet under a region it
// is not in. The answer lives in <dataDir>/setup.yaml (beside the data it labels), not in the shipped config.
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { z } from "zod";
import { canonicalRegionId } from "../config/regions.js";
import type { KeepWatchConfig, ProbeConfig } from "../config/schema.js";
import { closestKey } from "../config/suggest.js";

export const SETUP_FILE = "setup.yaml";

const siteSetupSchema = z.object({
  probe: z.string().min(1),
  region: z.string().min(1),
  network: z.string().min(1),
  confirmedAt: z.string().min(1),
});
export type SiteSetup = z.infer<typeof siteSetupSchema>;

/** A setup that does not fit the configuration; the message says what to give instead. */
export class SiteSetupError extends Error {
  override readonly name = "SiteSetupError";
}

export function setupPath(dataDir: string): string {
  return join(dataDir, SETUP_FILE);
}

export function readSiteSetup(dataDir: string): SiteSetup | null {
  const path = setupPath(dataDir);
  if (!existsSync(path)) return null;
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(path, "utf8"));
  } catch (e) {
    throw new SiteSetupError(`${path} is not valid YAML (${(e as Error).message.split("\n")[0]}); run keepwatch setup again`);
  }
  const parsed = siteSetupSchema.safeParse(raw);
  if (!parsed.success) throw new SiteSetupError(`${path} is damaged (${parsed.error.issues[0]?.path.join(".") || "file"}: ${parsed.error.issues[0]?.message}); run keepwatch setup again`);
  return parsed.data;
}

/** Checks a setup against the configuration and returns it with the canonical region id. */
export function checkSiteSetup(config: KeepWatchConfig, setup: SiteSetup): SiteSetup {
  const locals = config.probes.filter((p) => p.mode === "local");
  const probe = locals.find((p) => p.id === setup.probe);
  if (!probe) {
    const ids = locals.map((p) => p.id);
    throw new SiteSetupError(ids.length === 0
      ? "the configuration has no local probe (mode: local) to set up"
      : `no local probe "${setup.probe}" in the configuration (local probes: ${ids.join(", ")})`);
  }
  const regionId = canonicalRegionId(setup.region);
  const region = config.regions.find((r) => r.id === regionId);
  if (!region) {
    const hint = closestKey(setup.region, config.regions.map((r) => r.id));
    throw new SiteSetupError(`unknown region "${setup.region}"${hint ? ` (did you mean "${hint}"?)` : ""}; regions: ${config.regions.map((r) => r.id).join(", ")}`);
  }
  const network = config.networks.find((n) => n.id === setup.network);
  if (!network) {
    const hint = closestKey(setup.network, config.networks.map((n) => n.id));
    throw new SiteSetupError(`unknown network "${setup.network}"${hint ? ` (did you mean "${hint}"?)` : ""}; networks: ${config.networks.map((n) => n.id).join(", ")}`);
  }
  if (region.networks && region.networks.length > 0 && !region.networks.includes(network.id)) {
    throw new SiteSetupError(`network "${network.id}" is not measured in ${region.id} (its networks: ${region.networks.join(", ")}); add it to the region's networks in the configuration or pick one of those`);
  }
  return { ...setup, region: region.id };
}

/** Writes the setup atomically (a crash leaves the old file or the new one, never half). */
export function writeSiteSetup(dataDir: string, setup: SiteSetup): string {
  const path = setupPath(dataDir);
  const body = `# Written by \`keepwatch setup\`: where this machine is. Run it again to change; delete this file to stop\n# the local probe measuring.\n${stringifyYaml(setup)}`;
  writeFileSync(`${path}.tmp`, body, { mode: 0o644 });
  renameSync(`${path}.tmp`, path);
  return path;
}

export interface EffectiveProbes {
  config: KeepWatchConfig;
  /** Local probes left out until confirmed (as the configuration gave them). */
  unconfirmed: ProbeConfig[];
}

/**
 * The configuration serve runs: the set-up probe moved to the confirmed region and network; local probes
 * still unconfirmed left out entirely (not scheduled, not a silent probe of their region, no tokens).
 */
export function applySiteSetup(config: KeepWatchConfig, setup: SiteSetup | null): EffectiveProbes {
  const checked = setup ? checkSiteSetup(config, setup) : null;
  const probes: ProbeConfig[] = [];
  const unconfirmed: ProbeConfig[] = [];
  for (const p of config.probes) {
    if (checked && p.id === checked.probe) probes.push({ ...p, region: checked.region, network: checked.network, confirmed: true });
    else if (p.mode === "local" && !p.confirmed) unconfirmed.push(p);
    else probes.push(p);
  }
  return { config: { ...config, probes }, unconfirmed };
}

/** The plain sentence the log and the dashboard show while a local probe waits for confirmation. */
export function unconfirmedNotice(unconfirmed: ProbeConfig[]): string | null {
  if (unconfirmed.length === 0) return null;
  const p = unconfirmed[0]!;
  return `KeepWatch is not measuring from this machine yet: the local probe ${p.id} would be counted as ${p.region} on ${p.network}, ` +
    `and nobody has confirmed that is where this machine is. Run \`keepwatch setup --region <id> --network <id>\` ` +
    `(e.g. \`npm run keepwatch -- setup --region ${p.region} --network ${p.network}\`), then restart.`;
}
