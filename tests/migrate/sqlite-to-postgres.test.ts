// keepwatch migrate's copy: a real SQLite file with every kind of record into a real PostgreSQL, killed
// half way and resumed, then checked by counts, by the records themselves and by the API's answers.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Measurement } from "../../src/measurement.js";
import { MigrateRefused, copySqliteToPostgres } from "../../src/migrate/sqlite-to-postgres.js";
import { compareApiAnswers } from "../../src/migrate/verify.js";
import { PostgresStore } from "../../src/store/postgres/store.js";
import { SqliteStore } from "../../src/store/sqlite.js";
import { testConfig, testIncident } from "../api/harness.js";
import { fixtureMeasurement } from "../fixtures/measurement.js";
import { adminQuery, freshDatabase } from "../helpers/postgres.js";
import { expectRowsClose } from "../store/contract-stats.js";

const T0 = Date.parse("2026-03-07T00:00:00Z");
const NOW = new Date("2026-03-10T12:00:00Z");
/** Raw retention's cutoff in the source: inside the minute of a round (its rows start 0-6 s past it). */
const PRUNED = T0 + 86400_000 + 3000;
let dir: string;
let path: string;
let shortMinutesPath: string;
let all: Measurement[];

/** Three and a half days of rounds from two probes, some failing, one local outage, first day pruned. */
async function seedSqlite(path: string, minutesPrunedBefore: number): Promise<void> {
  const store = new SqliteStore(path);
  await store.migrate();
  all = [];
  let i = 0;
  for (let t = T0; t < NOW.getTime(); t += 20 * 60_000) {
    for (const [probeId, region, network] of [["probe-47", "KZ-47", "kcell-mobile"], ["probe-75", "KZ-75", "kt-fixed"]] as const) {
      for (const url of ["https://t.me/", "https://egov.kz/"]) {
        i += 1;
        const fails = region === "KZ-47" && url === "https://t.me/" && t > NOW.getTime() - 6 * 3600_000;
        all.push(fixtureMeasurement({ startedAt: new Date(t + (i % 7) * 1000).toISOString(), probeId, region, network, url,
          list: url === "https://t.me/" ? "non_whitelisted" : "whitelisted", accessible: !fails, blocking: fails ? "tls" : null,
          bytesPerSecond: i % 3 === 0 ? 100_000 + i : null }));
      }
    }
  }
  all.push({ ...fixtureMeasurement({ startedAt: new Date(NOW.getTime() - 3600_000).toISOString(), probeId: "probe-75", region: "KZ-75" }),
    local: { gateway: "none", resolver: "unknown" } });
  for (let k = 0; k < all.length; k += 300) await store.insertMeasurements(all.slice(k, k + 300));
  // Raw rows of the first day are gone (the cutoff splits a minute: some of its rows gone, some kept); their
  // rollups stay and must be copied as they are. Per-target minute rows go at their own horizon: here before
  // the raw cutoff, in the second source after it (targetMinuteDays shorter than rawDays: raw rows of those six
  // hours are no minute stats, on either store).
  await store.pruneMeasurements(new Date(PRUNED));
  await store.pruneTargetMinuteRollups(new Date(minutesPrunedBefore));
  await store.saveIncident(testIncident());
  await store.saveIncident(testIncident({ id: "inc-2", status: "closed", startedAt: "2026-03-08T01:00:00.000Z", endedAt: "2026-03-08T03:00:00.000Z" }));
  await store.saveProbeToken({ probeId: "probe-47", region: "KZ-47", tokenHash: "a".repeat(64), createdAt: "2026-03-01T00:00:00.000Z", revokedAt: null });
  await store.saveProbeToken({ probeId: "probe-75", region: "KZ-75", tokenHash: "b".repeat(64), createdAt: "2026-03-01T00:00:00.000Z", revokedAt: "2026-03-02T00:00:00.000Z" });
  await store.saveInvite({ codeHash: "c".repeat(64), region: "KZ-47", network: "kcell-mobile", createdAt: "2026-03-09T00:00:00.000Z", expiresAt: "2026-03-20T00:00:00.000Z" });
  await store.saveInvite({ codeHash: "d".repeat(64), region: "KZ-75", network: "kt-fixed", createdAt: "2026-03-09T00:00:00.000Z", expiresAt: "2026-03-20T00:00:00.000Z" });
  expect((await store.redeemInvite("c".repeat(64), new Date("2026-03-09T01:00:00Z"), "vol-1", "e".repeat(64))).ok).toBe(true);
  await store.saveHeartbeat({ probeId: "vol-1", receivedAt: "2026-03-10T11:00:00.000Z", version: "0.1.0", spoolDepth: 2, clockOffsetMs: 15, lastRoundAt: null, lastError: "x" });
  await store.setState("detector", JSON.stringify({ hysteresis: { "KZ-47": 2 } }));
  // Analysts' layer: accounts, a session, notes, a verification and their audit lines.
  const line = (action: string, subject: string) => ({ at: "2026-03-10T12:00:00.000Z", actor: "adil", action, subject, detail: null });
  await store.createUser({ name: "adil", role: "admin", passwordHash: "scrypt$2$1$1$c2FsdA$aGFzaA", readTokenHash: "9".repeat(64),
    createdAt: "2026-03-10T12:00:00.000Z", disabledAt: null }, line("user.add", "adil"));
  await store.createSession({ idHash: "8".repeat(64), userName: "adil", createdAt: "2026-03-10T12:00:00.000Z", expiresAt: "2099-01-01T00:00:00.000Z" },
    line("session.login", "adil"));
  await store.addIncidentNote({ incidentId: "inc-2", author: "adil", text: "confirmed by two ISPs", createdAt: "2026-03-10T12:01:00.000Z" }, line("note.add", "inc-2"));
  await store.addIncidentNote({ incidentId: "inc-2", author: "adil", text: "ended 03:00", createdAt: "2026-03-10T12:02:00.000Z" }, line("note.add", "inc-2"));
  await store.setIncidentVerification("inc-2", { verifiedBy: "adil", verifiedAt: "2026-03-10T12:03:00.000Z" }, line("incident.verify", "inc-2"));
  await store.close();
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "kw-migrate-"));
  shortMinutesPath = join(dir, "short-minutes.sqlite");
  await seedSqlite(shortMinutesPath, T0 + 30 * 3600_000);
  // Last: `all` holds this one's measurements.
  path = join(dir, "keepwatch.sqlite");
  await seedSqlite(path, T0 + 20 * 3600_000);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("copySqliteToPostgres", () => {
  it("resumes after a kill, copies every record, and the API answers alike on both stores", async () => {
    const url = await freshDatabase();
    const first = new PostgresStore(url);
    // "Killed" after three committed pages of 100.
    await copySqliteToPostgres(path, first, { pageSize: 100, maxPages: 3 });
    await first.close();
    const partial = await adminQuery<{ n: number }>(url, "SELECT COUNT(*)::int AS n FROM measurements");
    expect(partial[0]!.n).toBe(300);

    const target = new PostgresStore(url);
    const source = new SqliteStore(path);
    try {
      const counts = await copySqliteToPostgres(path, target, { pageSize: 100 });
      for (const c of counts) expect(c.target, c.table).toBe(c.source);
      const stored = all.filter((m) => Date.parse(m.startedAt) >= PRUNED);
      expect(counts.find((c) => c.table === "measurements")!.target).toBe(stored.length);
      expect(counts.find((c) => c.table === "rollups_hour")!.target).toBeGreaterThan(0);

      for (const m of [stored[0]!, stored[stored.length - 1]!, all[all.length - 1]!]) expect(await target.getMeasurement(m.id)).toEqual(m);
      expect(await target.listProbes()).toEqual(await source.listProbes());
      expect(await target.lastSeen()).toEqual(await source.lastSeen());
      expect(await target.findProbeToken("b".repeat(64))).toEqual(await source.findProbeToken("b".repeat(64)));
      expect(await target.findProbeToken("e".repeat(64))).toMatchObject({ probeId: "vol-1", revokedAt: null });
      expect(await target.getEnrolledProbe("vol-1")).toEqual(await source.getEnrolledProbe("vol-1"));
      expect(await target.redeemInvite("c".repeat(64), new Date("2026-03-10T00:00:00Z"), "vol-2", "f".repeat(64))).toEqual({ ok: false, reason: "used" });
      expect(await target.listHeartbeats()).toEqual(await source.listHeartbeats());
      expect(await target.getState("detector")).toBe(await source.getState("detector"));
      expect(await target.listIncidents({})).toEqual(await source.listIncidents({}));
      expect(await target.listUsers()).toEqual(await source.listUsers());
      expect((await target.findUserByReadToken("9".repeat(64)))?.name).toBe("adil");
      expect(await target.getSession("8".repeat(64))).toEqual(await source.getSession("8".repeat(64)));
      expect(await target.listIncidentNotes("inc-2")).toEqual(await source.listIncidentNotes("inc-2"));
      expect(await target.getIncidentVerification("inc-2")).toEqual(await source.getIncidentVerification("inc-2"));
      expect(await target.listAudit({})).toEqual(await source.listAudit({}));
      expect((await target.listAudit({})).length).toBe(5);
      // Rollups from before raw retention came along: the first day's hours are there.
      const firstDay = { since: new Date(T0), until: new Date(T0 + 86400_000), bucketSeconds: 3600 };
      expect(await target.networkStats(firstDay)).toEqual(await source.networkStats(firstDay));
      expect((await target.networkStats(firstDay)).length).toBeGreaterThan(0);

      // Per-target minutes: live rows, the split minute and the minutes of removed rows each counted once.
      const all3 = { since: new Date(T0), until: NOW };
      const splitMinute = { since: new Date(PRUNED - 3000), until: new Date(PRUNED + 57_000), bucketSeconds: 60 };
      expect((await source.targetStats(splitMinute)).length).toBeGreaterThan(0);
      for (const q of [{ ...all3, bucketSeconds: 60 }, { ...all3, bucketSeconds: 300, region: "KZ-47" }, splitMinute]) {
        expectRowsClose(await target.targetStats(q), await source.targetStats(q));
      }

      const config = testConfig();
      const same = await compareApiAnswers(source, target, config, NOW);
      expect(same.paths.length).toBe(3 + 2 * config.regions.length);
      expect(same.differences).toEqual([]);

      // The check can fail: one rollup row changed on the target shows in the timeline and regions answers.
      await adminQuery(url, `UPDATE network_rollups_hour SET ok = ok + 1 WHERE bucket = (SELECT MAX(bucket) FROM network_rollups_hour)`);
      const differ = await compareApiAnswers(source, target, config, NOW);
      expect(differ.differences.map((d) => d.path).some((p) => p.includes("/timeline?") && p.includes("bucket=hour"))).toBe(true);

      // A second full run changes nothing (and repairs what was changed: upserts overwrite).
      const again = await copySqliteToPostgres(path, target, { pageSize: 100 });
      expect(again).toEqual(counts);
      expectRowsClose(await target.targetStats({ ...all3, bucketSeconds: 60 }), await source.targetStats({ ...all3, bucketSeconds: 60 }));
      // The copied notes and audit lines keep their ids, and the next ones continue after them.
      const note = await target.addIncidentNote({ incidentId: "inc-2", author: "adil", text: "after the move", createdAt: "2026-03-11T00:00:00.000Z" },
        { at: "2026-03-11T00:00:00.000Z", actor: "adil", action: "note.add", subject: "inc-2", detail: null });
      expect(note.id).toBe(3);
      expect((await target.listAudit({})).map((a) => a.seq)).toEqual([1, 2, 3, 4, 5, 6]);
      expect((await compareApiAnswers(source, target, config, NOW)).differences).toEqual([]);
    } finally {
      await source.close();
      await target.close();
    }
  });

  it("copies a source whose per-target minute rows were pruned before its raw rows: those rows are no minute stats there either", async () => {
    const url = await freshDatabase();
    const target = new PostgresStore(url);
    const source = new SqliteStore(shortMinutesPath);
    try {
      const counts = await copySqliteToPostgres(shortMinutesPath, target, { pageSize: 500 });
      for (const c of counts) expect(c.target, c.table).toBe(c.source);
      const q = { since: new Date(T0), until: NOW, bucketSeconds: 60 };
      const minutes = await source.targetStats(q);
      expect(minutes[0]!.bucketStart).toBe(new Date(T0 + 30 * 3600_000).toISOString());
      expectRowsClose(await target.targetStats(q), minutes);
      expectRowsClose(await target.targetStats({ ...q, bucketSeconds: 3600 }), await source.targetStats({ ...q, bucketSeconds: 3600 }));
    } finally {
      await source.close();
      await target.close();
    }
  });

  it("refuses a target that already holds other measurements, unless forced", async () => {
    const url = await freshDatabase();
    const target = new PostgresStore(url);
    try {
      await target.migrate();
      await target.insertMeasurements([fixtureMeasurement({ startedAt: "2026-03-09T00:00:00Z" })]);
      await expect(copySqliteToPostgres(path, target)).rejects.toBeInstanceOf(MigrateRefused);
      const counts = await copySqliteToPostgres(path, target, { force: true, pageSize: 500 });
      const m = counts.find((c) => c.table === "measurements")!;
      expect(m.target).toBe(m.source + 1);
    } finally {
      await target.close();
    }
  });
});
