// Shared by the PostgreSQL migration tests: production-like measurements over two regions (odd times, outcomes,
// receivedAt forms, a control vantage, local failures mixed in) and every read the Store offers over them, as
// text, so a migrated store can be compared with one that got every measurement after the migration.
import type { Measurement } from "../../src/measurement.js";
import type { PostgresStore } from "../../src/store/postgres/store.js";
import { fixtureMeasurement } from "../fixtures/measurement.js";

export const BASE = Date.parse("2025-06-01T10:00:00.000Z");

/** Two regions, two probes each, three targets, six rounds 5 minutes apart; odd times and outcomes mixed in. */
export function measurements(): Measurement[] {
  const out: Measurement[] = [];
  let n = 0;
  for (let round = 0; round < 6; round++) {
    for (const region of ["KZ-10", "KZ-11"]) {
      for (const [p, network] of [[1, "kt-fixed"], [2, "kcell-mobile"]] as const) {
        for (const t of [0, 1, 2]) {
          n += 1;
          const ms = BASE + round * 300_000 + p * 7000 + t * 1000;
          // One control vantage among them (its own probe: a probe's record keeps one role).
          const control = region === "KZ-11" && p === 2 && t === 1;
          const m = fixtureMeasurement({
            region, network, probeId: control ? "control-1" : `${region.toLowerCase()}-${p}`, url: `https://site${t}.example.kz/`,
            list: t === 2 ? "non_whitelisted" : "whitelisted", category: t === 2 ? "NEWS" : "GOVT",
            // Every seventh without milliseconds: stored as text, since toISOString would add them.
            startedAt: n % 7 === 0 ? new Date(ms).toISOString().replace(".000Z", "Z") : new Date(ms).toISOString(),
            accessible: n % 5 !== 0, blocking: n % 5 === 0 ? (n % 10 === 0 ? "dns" : "tls") : null,
            failure: n % 5 === 0 ? "tls_reset" : null, handshakeTime: 0.01 + (n % 13) / 1000,
            bytesPerSecond: t === 0 ? 1_000_000 + n : null, role: control ? "control" : "region",
          });
          if (n % 4 === 0) m.receivedAt = new Date(ms + 2500 + n).toISOString();
          if (n % 9 === 0) m.receivedAt = "2025-06-01T11:00:00Z";
          if (n % 11 === 0) m.local = { gateway: "unreachable", resolver: "ok" };
          out.push(m);
        }
      }
    }
  }
  return out;
}

/**
 * The measurements split at a migration: old rows are the first four rounds; fresh ones the last two plus a late
 * one into an old rollup key (a minute that already has its row from before).
 */
export function beforeAndAfter(): { old: Measurement[]; late: Measurement; fresh: Measurement[] } {
  const all = measurements();
  const old = all.filter((m) => Date.parse(m.startedAt) < BASE + 4 * 300_000);
  const late = fixtureMeasurement({ region: "KZ-10", network: "kt-fixed", probeId: "kz-10-1", url: "https://site0.example.kz/",
    list: "whitelisted", category: "GOVT", startedAt: new Date(BASE + 7000 + 30_000).toISOString(), accessible: false,
    blocking: "tcp", handshakeTime: 0.02 });
  return { old, late, fresh: [...all.filter((m) => !old.includes(m)), late] };
}

/** Floats summed in another order differ in the last bits: compare to 12 significant digits. */
function canonical(v: unknown): string {
  return JSON.stringify(v, (_, x) => (typeof x === "number" && !Number.isInteger(x) ? Number(x.toPrecision(12)) : x));
}

export async function reads(store: PostgresStore, ids: string[]): Promise<Record<string, string>> {
  const since = new Date(BASE - 3600_000);
  const until = new Date(BASE + 3 * 3600_000);
  const out: Record<string, string> = {};
  for (const bucketSeconds of [3600, 60, 300, 30]) {
    for (const region of [undefined, "KZ-10", "KZ-99"]) {
      const q = { since, until, bucketSeconds, ...(region ? { region } : {}) };
      out[`targetStats ${bucketSeconds} ${region}`] = canonical(await store.targetStats(q));
      out[`networkStats ${bucketSeconds} ${region}`] = canonical(await store.networkStats(q));
    }
  }
  for (const q of [{}, { region: "KZ-11" }, { network: "kcell-mobile" }, { probeId: "kz-10-1" }, { role: "control" as const },
    { region: "KZ-10", network: "kt-fixed", since: new Date(BASE + 600_000), until: new Date(BASE + 1_200_000) }, { region: "nowhere" }]) {
    out[`facts ${JSON.stringify(q)}`] = canonical(await store.measurementFacts(q));
    const streamed: Measurement[] = [];
    for await (const m of store.streamMeasurements(q)) streamed.push(m);
    out[`stream ${JSON.stringify(q)}`] = JSON.stringify(streamed);
  }
  for (const id of ids) out[`get ${id}`] = JSON.stringify(await store.getMeasurement(id));
  out.lastSeen = canonical(await store.lastSeen());
  out.lastSeenBefore = canonical(await store.lastSeen({ before: new Date(BASE + 900_000) }));
  out.probes = canonical(await store.listProbes());
  return out;
}
