// Per-target evidence: for each network and target of a region over a range, how many checks succeeded,
// how the others failed (down = no control could call it blocking; blocked per layer) and the service's
// name and category from whitelist/. Control vantages are left out: they are the comparison, not the region.
import { targetName, type TargetNames } from "../config/target-names.js";
import { normalizeUrl } from "../config/whitelist.js";
import type { TargetStatsRow } from "../store/store.js";

export interface TargetRow {
  network: string;
  url: string;
  name: string;
  category: string;
  list: string;
  total: number;
  ok: number;
  /** ok / total, rounded to 3 decimals; null without checks. */
  successRatio: number | null;
  down: number;
  blocked: Record<string, number>;
  /** The failure seen most often: a blocking layer, "down", or null when nothing failed. */
  mainFailure: string | null;
  lastAt: string;
}

export function buildTargetRows(rows: readonly TargetStatsRow[], names: TargetNames, network?: string): TargetRow[] {
  const byKey = new Map<string, TargetRow>();
  for (const r of rows) {
    if (r.role !== "region" || (network !== undefined && r.network !== network)) continue;
    const key = `${r.network}\u0000${normalizeUrl(r.url)}`;
    let t = byKey.get(key);
    if (!t) {
      const info = names.get(normalizeUrl(r.url));
      t = { network: r.network, url: r.url, name: targetName(names, r.url), category: info?.category ?? r.category, list: r.list,
        total: 0, ok: 0, successRatio: null, down: 0, blocked: {}, mainFailure: null, lastAt: r.lastAt };
      byKey.set(key, t);
    }
    t.total += r.total;
    t.ok += r.ok;
    t.down += r.down;
    for (const [layer, n] of Object.entries(r.blocked)) if (n > 0) t.blocked[layer] = (t.blocked[layer] ?? 0) + n;
    if (r.lastAt > t.lastAt) t.lastAt = r.lastAt;
  }
  const out = [...byKey.values()];
  for (const t of out) {
    t.successRatio = t.total > 0 ? Math.round((t.ok / t.total) * 1000) / 1000 : null;
    const failures: [string, number][] = [["down", t.down], ...Object.entries(t.blocked)];
    const top = failures.sort((a, b) => b[1] - a[1])[0];
    t.mainFailure = top && top[1] > 0 ? top[0] : null;
  }
  // Worst first: what a reader opens this table to find.
  return out.sort((a, b) => (a.successRatio ?? 2) - (b.successRatio ?? 2) || a.network.localeCompare(b.network) || a.name.localeCompare(b.name));
}
