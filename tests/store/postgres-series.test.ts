// The PostgreSQL store's series ids (src/store/postgres/series.ts, migration 7): two collectors storing rows of
// the same series at once agree on one series each; rows that differ only in their ASN (none, 0, a number) or
// in one name are different series and read back exactly; a damaged series reference fails loudly instead of
// reading as some other probe or target.
import { afterEach, describe, expect, it } from "vitest";
import type { Measurement } from "../../src/measurement.js";
import { PostgresStore } from "../../src/store/postgres/store.js";
import { fixtureMeasurement } from "../fixtures/measurement.js";
import { adminQuery, freshDatabase } from "../helpers/postgres.js";

const withAsn = (m: Measurement, asn: number | null): Measurement => ({ ...m, network: { ...m.network, asn } });

describe("PgSeries", () => {
  const stores: PostgresStore[] = [];
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close();
  });

  it("gives rows of one series one id across collectors storing at once, and keeps an ASN-only difference apart", async () => {
    const url = await freshDatabase();
    const [a, b] = [new PostgresStore(url, { max: 3 }), new PostgresStore(url, { max: 3 })];
    stores.push(a, b);
    await a.migrate();
    await b.migrate();
    // 4 probes × 25 targets × 3 ASNs (none, 0, 9198) = 300 series, each measured in 4 rounds.
    const batch: Measurement[] = [];
    for (let round = 0; round < 4; round++) {
      for (let p = 0; p < 4; p++) {
        for (let t = 0; t < 25; t++) {
          for (const asn of [null, 0, 9198]) {
            batch.push(withAsn(fixtureMeasurement({ probeId: `probe-${p}`, url: `https://site${t}.example.kz/`,
              startedAt: new Date(Date.parse("2025-05-01T10:00:00Z") + round * 300_000 + p * 7000 + t * 100).toISOString() }), asn));
          }
        }
      }
    }
    const halves = [batch.filter((_, i) => i % 2 === 0), batch.filter((_, i) => i % 2 === 1)];
    // Each collector stores both halves, in opposite orders, at once: every row once, every series once.
    const results = await Promise.all([a.insertMeasurements(halves[0]!), b.insertMeasurements(halves[1]!),
      a.insertMeasurements(halves[1]!), b.insertMeasurements([...halves[0]!].reverse())]);
    expect(results.reduce((n, r) => n + r.inserted, 0)).toBe(batch.length);
    expect(await adminQuery(url, "SELECT COUNT(*)::int AS n FROM series")).toEqual([{ n: 300 }]);
    expect(await adminQuery(url, "SELECT COUNT(DISTINCT series_ref)::int AS n FROM measurements")).toEqual([{ n: 300 }]);
    for (const m of [batch[0]!, batch[1]!, batch[2]!, batch[batch.length - 1]!]) expect(await b.getMeasurement(m.id)).toEqual(m);
    // Facts and filters see each row's own ASN and probe through its series.
    const facts = await a.measurementFacts({ probeId: "probe-2" });
    expect(facts.length).toBe(batch.length / 4);
    expect(new Set(facts.map((f) => f.asn))).toEqual(new Set([null, 0, 9198]));
  });

  it("refuses a measurement row whose series id points nowhere, loudly", async () => {
    const url = await freshDatabase();
    const store = new PostgresStore(url);
    stores.push(store);
    await store.migrate();
    const m = fixtureMeasurement({ startedAt: "2025-05-01T10:00:00.000Z" });
    await store.insertMeasurements([m]);
    await adminQuery(url, "UPDATE measurements SET series_ref = 999999 WHERE id = $1", [m.id]);
    await expect(store.getMeasurement(m.id)).rejects.toThrow(/neither the text nor the id/);
  });
});
