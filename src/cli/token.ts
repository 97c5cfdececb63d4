// Token commands. `token create` issues a probe's upload token into the server's database (only its
// sha256 is stored; the token is printed once). `token hash` prints the sha256 for server.adminTokenHash.
import { newProbeToken, sha256Hex } from "../api/auth.js";
import { loadConfig } from "../config/load.js";
import { ProbeRegistry, RegistryError, type RegisteredProbe } from "../registry/probe-registry.js";
import { prepareDataDir } from "../serve/data-dir.js";
import { openStore } from "../store/open.js";

/** Exit code: 0 issued, 2 refused (malformed id, a probe the configuration lacks, another region). */
export async function runTokenCreate(opts: { probe: string; region: string; config: string; data?: string }): Promise<number> {
  const config = loadConfig(opts.config);
  let probe: RegisteredProbe;
  try {
    // Only a probe the configuration has, in its configured region.
    probe = new ProbeRegistry(config).tokenTarget(opts.probe, opts.region);
  } catch (err) {
    if (!(err instanceof RegistryError)) throw err;
    process.stderr.write(`keepwatch token create: ${err.message}\n`);
    return 2;
  }
  const store = openStore(config.store, prepareDataDir(opts.data ?? config.dataDir));
  try {
    await store.migrate();
    const token = newProbeToken();
    await store.saveProbeToken({
      probeId: probe.probeId,
      region: probe.region,
      tokenHash: sha256Hex(token),
      createdAt: new Date().toISOString(),
      revokedAt: null,
    });
    process.stdout.write(`${token}\n`);
    process.stderr.write(`token for probe ${probe.probeId} (${probe.region}) issued; it is shown only this once\n`);
  } finally {
    await store.close();
  }
  return 0;
}

export async function runTokenHash(): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  const token = Buffer.concat(chunks).toString("utf8").trim();
  if (!token) throw new Error("give the token on standard input");
  process.stdout.write(`${sha256Hex(token)}\n`);
}
