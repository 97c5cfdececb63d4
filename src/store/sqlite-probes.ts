// SQL of probes as the server knows them: configured probes with the counters ingest keeps (probes), probe
// tokens (stored hashed), and the newest sign of life per region x network x probe (last_seen). Kept beside
// sqlite.ts so that file stays readable; SqliteStore runs these through its lock-aware runner.
import type { NameTable } from "./sqlite-names.js";
import type { StatementCache } from "./sqlite-statements.js";
import type { ProbeRecord, ProbeToken } from "./store.js";

/** A name id no row holds: what a lookup of a name never stored compares with. */
const NO_NAME = -1;

export type LastSeenRow = { region: string; network: string; probeId: string; lastAt: string };

export class ProbeTables {
  constructor(private readonly stmts: StatementCache, private readonly names: NameTable) {}

  upsertProbe(probe: Omit<ProbeRecord, "measurements" | "lastSeenAt">): void {
    this.stmts.get(`INSERT INTO probes (id, region, network, role) VALUES (@id, @region, @network, @role)
      ON CONFLICT (id) DO UPDATE SET region = excluded.region, network = excluded.network, role = excluded.role`)
      .run({ id: probe.id, region: probe.region, network: probe.network, role: probe.role });
  }

  listProbes(): ProbeRecord[] {
    const rows = this.stmts.get(`SELECT id, region, network, role, last_seen_ms, measurements
      FROM probes ORDER BY id`).all() as { id: string; region: string; network: string; role: "region" | "control"; last_seen_ms: number | null;
        measurements: number }[];
    return rows.map((r) => ({
      id: r.id, region: r.region, network: r.network, role: r.role,
      lastSeenAt: r.last_seen_ms === null ? null : new Date(r.last_seen_ms).toISOString(),
      measurements: r.measurements,
    }));
  }

  saveProbeToken(token: ProbeToken): void {
    this.stmts.get(`INSERT INTO probe_tokens (token_hash, probe_id, region, created_at, revoked_at)
      VALUES (@tokenHash, @probeId, @region, @createdAt, @revokedAt)
      ON CONFLICT (token_hash) DO UPDATE SET probe_id = excluded.probe_id, region = excluded.region,
        created_at = excluded.created_at, revoked_at = excluded.revoked_at`).run({ ...token });
  }

  findProbeToken(tokenHash: string): ProbeToken | null {
    const row = this.stmts.get(`SELECT token_hash, probe_id, region, created_at, revoked_at
      FROM probe_tokens WHERE token_hash = ?`).get(tokenHash) as
      { token_hash: string; probe_id: string; region: string; created_at: string; revoked_at: string | null } | undefined;
    return row
      ? { tokenHash: row.token_hash, probeId: row.probe_id, region: row.region, createdAt: row.created_at,
        revokedAt: row.revoked_at }
      : null;
  }

  revokeProbeToken(probeId: string, at: Date): number {
    return this.stmts.get("UPDATE probe_tokens SET revoked_at = ? WHERE probe_id = ? AND revoked_at IS NULL")
      .run(at.toISOString(), probeId).changes;
  }

  lastSeen(q: { before?: Date }): LastSeenRow[] {
    const rows = this.stmts.get("SELECT region, network, probe_id, last_ms FROM last_seen ORDER BY region, network, probe_id")
      .all() as { region: string; network: string; probe_id: string; last_ms: number }[];
    const before = q.before?.getTime();
    // Only probes whose newest stamp is not before the bound need a look at the raw rows: back through the
    // region's index from the bound to the probe's newest row (a probe reports every round).
    const newestBefore = this.stmts.get(`SELECT started_ms FROM measurements
      WHERE region_ref = @region AND started_ms < @before AND probe_ref = @probe AND network_ref = @network AND local_failure = 0
      ORDER BY started_ms DESC LIMIT 1`).pluck();
    const ref = (name: string) => this.names.find(name) ?? NO_NAME;
    const out: LastSeenRow[] = [];
    for (const r of rows) {
      let ms: number | null = r.last_ms;
      if (before !== undefined && ms >= before) ms = (newestBefore.get({ region: ref(r.region), before, probe: ref(r.probe_id), network: ref(r.network) }) as number | undefined) ?? null;
      if (ms !== null) out.push({ region: r.region, network: r.network, probeId: r.probe_id, lastAt: new Date(ms).toISOString() });
    }
    return out;
  }
}
