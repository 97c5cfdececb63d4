// `keepwatch probes invite`: a one-time enrollment code into the server's database (only its sha256 is
// stored; the code is printed once). The volunteer redeems it with `keepwatch agent enroll`.
// `keepwatch probes invites [revoke ID]` lists invites (never a code) and revokes an unused one;
// `keepwatch probes revoke PROBE` revokes every token of a probe (enrolled or configured).
import { loadConfig } from "../config/load.js";
import { idProblem } from "../ids.js";
import { inviteView, issueInvite, parseInviteTtl, revokeInviteById } from "../registry/invites.js";
import { RegistryError } from "../registry/probe-registry.js";
import { prepareDataDir } from "../serve/data-dir.js";
import { openStore } from "../store/open.js";
import type { Store } from "../store/store.js";

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

interface StoreOptions { config: string; data?: string }

async function withStore<T>(o: StoreOptions, f: (store: Store) => Promise<T>): Promise<T> {
  const config = loadConfig(o.config);
  const store = openStore(config.store, prepareDataDir(o.data ?? config.dataDir));
  try {
    await store.migrate();
    return await f(store);
  } finally {
    await store.close();
  }
}

/** `keepwatch probes invites`: every invite, newest first; exit 0. */
export async function runProbesInvites(o: StoreOptions & { json?: boolean }): Promise<number> {
  return withStore(o, async (store) => {
    const now = new Date();
    const invites = (await store.listInvites()).map((i) => inviteView(i, now));
    if (o.json) {
      process.stdout.write(`${JSON.stringify({ invites })}\n`);
      return 0;
    }
    if (invites.length === 0) {
      process.stdout.write("no invites (create one with keepwatch probes invite --region … --network …)\n");
      return 0;
    }
    const rows = [["ID", "REGION", "NETWORK", "CREATED", "EXPIRES", "STATUS", "USED BY"],
      ...invites.map((i) => [i.id, i.region, i.network, i.createdAt.slice(0, 16), i.expiresAt.slice(0, 16), i.status,
        i.probeId ? `${i.probeId} (${i.usedAt!.slice(0, 16)})` : "-"])];
    const widths = rows[0]!.map((_, k) => Math.max(...rows.map((r) => r[k]!.length)));
    for (const r of rows) process.stdout.write(`${r.map((cell, k) => cell.padEnd(widths[k]!)).join("  ").trimEnd()}\n`);
    return 0;
  });
}

/** `keepwatch probes invites revoke ID`: exit 0 revoked, 2 malformed, unknown, used or expired. */
export async function runProbesInvitesRevoke(id: string, o: StoreOptions): Promise<number> {
  return withStore(o, async (store) => {
    const r = await revokeInviteById(store, id.trim().toLowerCase(), new Date());
    if (!r.ok) {
      process.stderr.write(`keepwatch probes invites revoke: ${r.message}\n`);
      return 2;
    }
    process.stdout.write(`invite ${r.invite.id} (${r.invite.region} / ${r.invite.network}) revoked: its code no longer enrolls anything\n`);
    return 0;
  });
}

/** `keepwatch probes revoke PROBE`: revokes every token of the probe; exit 0 revoked, 2 malformed or none. */
export async function runProbesRevoke(probeId: string, o: StoreOptions): Promise<number> {
  const bad = idProblem("probe", probeId);
  if (bad) {
    process.stderr.write(`keepwatch probes revoke: ${bad}\n`);
    return 2;
  }
  return withStore(o, async (store) => {
    const n = await store.revokeProbeToken(probeId, new Date());
    if (n === 0) {
      process.stderr.write(`keepwatch probes revoke: probe ${probeId} has no token that is not revoked already\n`);
      return 2;
    }
    process.stdout.write(`revoked ${n} token${n === 1 ? "" : "s"} of probe ${probeId}: its uploads, assignment and heartbeats now get 401; ` +
      "what it already delivered stays\n");
    return 0;
  });
}
