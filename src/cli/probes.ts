// `keepwatch probes invite`: a one-time enrollment code into the server's database (only its sha256 is
// stored; the code is printed once). The volunteer redeems it with `keepwatch agent enroll`.
import { loadConfig } from "../config/load.js";
import { issueInvite, parseInviteTtl } from "../registry/invites.js";
import { RegistryError } from "../registry/probe-registry.js";
import { prepareDataDir } from "../serve/data-dir.js";
import { openStore } from "../store/open.js";

/** Exit code: 0 created, 2 refused (malformed or unconfigured region/network, bad expiry). */
export async function runProbesInvite(opts: { region: string; network: string; expires: string; config: string; data?: string }): Promise<number> {
  const config = loadConfig(opts.config);
  const store = openStore(config.store, prepareDataDir(opts.data ?? config.dataDir));
  try {
    await store.migrate();
    const invite = await issueInvite(store, config, { region: opts.region, network: opts.network, ttlMs: parseInviteTtl(opts.expires) }, new Date());
    process.stdout.write(`${invite.code}\n`);
    process.stderr.write(`invite for ${invite.region} / ${invite.network}, usable once until ${invite.expiresAt}; it is shown only this once.\n` +
      `the volunteer runs: keepwatch agent enroll ${invite.code} --server ${config.server.publicUrl ?? "https://<this server>"}\n`);
    return 0;
  } catch (err) {
    if (!(err instanceof RegistryError)) throw err;
    process.stderr.write(`keepwatch probes invite: ${err.message}\n`);
    return 2;
  } finally {
    await store.close();
  }
}
