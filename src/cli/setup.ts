// `keepwatch setup --region ID --network ID`: the operator says where this machine is. Until then the
// shipped configuration's local probe does not measure (src/serve/site-setup.ts).
import { loadConfig } from "../config/load.js";
import { prepareDataDir } from "../serve/data-dir.js";
import { checkSiteSetup, SiteSetupError, writeSiteSetup } from "../serve/site-setup.js";
import { UsageError } from "./cli-error.js";

export function runSetup(opts: { region: string; network: string; probe?: string; config: string; data?: string }): number {
  const config = loadConfig(opts.config);
  const locals = config.probes.filter((p) => p.mode === "local");
  const probe = opts.probe ?? (locals.length === 1 ? locals[0]!.id : undefined);
  if (probe === undefined) {
    throw new UsageError(locals.length === 0
      ? `${opts.config} has no local probe (mode: local); nothing on this machine measures`
      : `${opts.config} has several local probes (${locals.map((p) => p.id).join(", ")}); say which with --probe`);
  }
  let setup;
  try {
    setup = checkSiteSetup(config, { probe, region: opts.region, network: opts.network, confirmedAt: new Date().toISOString() });
  } catch (e) {
    if (e instanceof SiteSetupError) throw new UsageError(e.message);
    throw e;
  }
  const path = writeSiteSetup(prepareDataDir(opts.data ?? config.dataDir), setup);
  process.stdout.write(`probe ${setup.probe} will measure as ${setup.region} on ${setup.network} (written to ${path}); restart keepwatch serve\n`);
  return 0;
}
