// The agent's uploader against the real API server over a real socket: accepted segments leave the spool,
// an unreachable server leaves them for later, a refused token quarantines without losing the data.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sha256Hex } from "../../src/api/auth.js";
import { Spool } from "../../src/agent/spool.js";
import { uploadSpool } from "../../src/agent/uploader.js";
import { fixtureMeasurement } from "../fixtures/measurement.js";
import { freePort } from "../helpers/redis.js";
import { ago, createHarness, NOW, type Harness } from "../api/harness.js";

const TOKEN = "kwp_agent-test-token";

describe("uploadSpool", () => {
  let h: Harness;
  let dir: string;
  let spool: Spool;
  beforeEach(async () => {
    h = await createHarness({ enqueueResults: async (ms) => void (await h.store.insertMeasurements(ms)) });
    await h.store.saveProbeToken({ probeId: "probe-47", region: "KZ-47", tokenHash: sha256Hex(TOKEN),
      createdAt: new Date().toISOString(), revokedAt: null });
    dir = mkdtempSync(join(tmpdir(), "kw-upl-"));
    spool = new Spool(dir);
  });
  afterEach(async () => {
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const mine = () => fixtureMeasurement({ probeId: "probe-47", region: "KZ-47", network: "kcell-mobile", startedAt: ago(1) });

  it("uploads every pending segment and empties the spool", async () => {
    const url = await h.listen();
    const batch1 = [mine(), mine()];
    const batch2 = [mine()];
    spool.append(batch1);
    spool.append(batch2);
    const report = await uploadSpool(spool, { serverUrl: url, token: TOKEN });
    expect(report).toEqual({ uploaded: 3, quarantined: 0, segmentsLeft: 0, stoppedBecause: null, retryAfterSeconds: null });
    expect(spool.segments()).toEqual([]);
    // Stored as the server's registry says probe-47 is (kcell-mobile: AS29355, mobile), with the receive time.
    for (const m of [...batch1, ...batch2]) {
      expect(await h.store.getMeasurement(m.id)).toEqual({ ...m, network: { id: "kcell-mobile", asn: 29355, kind: "mobile" }, receivedAt: NOW.toISOString() });
    }
  });

  it("keeps everything spooled while the server cannot be reached", async () => {
    spool.append([mine()]);
    const port = await freePort();
    const report = await uploadSpool(spool, { serverUrl: `http://127.0.0.1:${port}`, token: TOKEN, timeoutSeconds: 2 });
    expect(report.uploaded).toBe(0);
    expect(report.stoppedBecause).toMatch(/unreachable/);
    expect(spool.pendingCount()).toBe(1);
  });

  it("keeps every segment on a refused token (401): the operator fixes the token, nothing is quarantined", async () => {
    const url = await h.listen();
    spool.append([mine()]);
    spool.append([mine()]);
    const report = await uploadSpool(spool, { serverUrl: url, token: "kwp_wrong" });
    expect(report.stoppedBecause).toMatch(/token refused \(401\)/);
    expect(report.quarantined).toBe(0);
    expect(spool.quarantined()).toEqual([]);
    expect(spool.pendingCount()).toBe(2);
    expect(spool.status().lastError).toMatch(/401/);
    const retry = await uploadSpool(spool, { serverUrl: url, token: TOKEN });
    expect(retry).toMatchObject({ uploaded: 2, quarantined: 0, segmentsLeft: 0, stoppedBecause: null });
    expect(spool.status()).toMatchObject({ lastError: null });
  });

  it("re-uploading a segment after a lost response stores nothing twice", async () => {
    const url = await h.listen();
    const batch = [mine(), mine()];
    const name = spool.append(batch);
    await uploadSpool(spool, { serverUrl: url, token: TOKEN });
    // As if the 202 had been lost: the same segment comes back.
    spool.append(batch);
    expect(name).not.toBe("");
    const again = await uploadSpool(spool, { serverUrl: url, token: TOKEN });
    expect(again.stoppedBecause).toBeNull();
    const all: string[] = [];
    for await (const m of h.store.streamMeasurements({})) all.push(m.id);
    expect(all.sort()).toEqual(batch.map((m) => m.id).sort());
  });
});
