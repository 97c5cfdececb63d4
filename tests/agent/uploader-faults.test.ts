// The uploader as a volunteer's network really behaves: captive portals, overloaded servers, a server that
// refuses some items, batches too large, torn spool files. Whatever happens, every measurement is either
// stored by the server or kept on disk (pending or, when the server judged it invalid, quarantined with its
// reason) — never dropped.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { appendFileSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sha256Hex } from "../../src/api/auth.js";
import { Spool } from "../../src/agent/spool.js";
import { uploadSpool } from "../../src/agent/uploader.js";
import type { Measurement } from "../../src/measurement.js";
import { fixtureMeasurement } from "../fixtures/measurement.js";
import { ago, createHarness, type Harness } from "../api/harness.js";

const TOKEN = "kwp_agent-fault-token";

/** A plain HTTP server answering every request with one fixed response (a captive portal, a proxy). */
async function fixedServer(status: number, body: string, headers: Record<string, string> = {}): Promise<{ url: string; hits: () => number; close: () => Promise<void> }> {
  let hits = 0;
  const server: Server = createServer((req, res) => {
    hits++;
    req.resume();
    req.on("end", () => {
      res.writeHead(status, { "content-type": "text/html", ...headers });
      res.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hits: () => hits,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

describe("uploadSpool under faults", () => {
  let h: Harness;
  let dir: string;
  let spool: Spool;
  beforeEach(async () => {
    h = await createHarness({}, undefined);
    await h.store.saveProbeToken({ probeId: "probe-47", region: "KZ-47", tokenHash: sha256Hex(TOKEN),
      createdAt: new Date().toISOString(), revokedAt: null });
    dir = mkdtempSync(join(tmpdir(), "kw-uplf-"));
    spool = new Spool(dir);
  });
  afterEach(async () => {
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const mine = () => fixtureMeasurement({ probeId: "probe-47", region: "KZ-47", network: "kcell-mobile", startedAt: ago(1) });
  async function storedIds(): Promise<string[]> {
    const ids: string[] = [];
    for await (const m of h.store.streamMeasurements({})) ids.push(m.id);
    return ids.sort();
  }

  for (const [what, status, body] of [
    ["a captive portal's 403 page", 403, "<html><title>Login to Wi-Fi</title></html>"],
    ["a captive portal's 200 page", 200, "<html><title>Welcome to CafeNet</title></html>"],
    ["a proxy's 400 page", 400, "<html>Bad Request</html>"],
    ["a 408 from a proxy", 408, "timeout"],
    ["a 502 from a load balancer", 502, "bad gateway"],
  ] as const) {
    it(`keeps every measurement pending on ${what}`, async () => {
      const portal = await fixedServer(status, body);
      try {
        const batch = [mine(), mine(), mine()];
        spool.append(batch);
        const report = await uploadSpool(spool, { serverUrl: portal.url, token: TOKEN, timeoutSeconds: 5 });
        expect(report.uploaded).toBe(0);
        expect(report.quarantined).toBe(0);
        expect(report.stoppedBecause).toMatch(new RegExp(String(status)));
        expect(spool.quarantined()).toEqual([]);
        expect(spool.pendingCount()).toBe(3);
        // Later, the real server is reachable: everything arrives, once.
        const url = await h.listen();
        expect((await uploadSpool(spool, { serverUrl: url, token: TOKEN })).stoppedBecause).toBeNull();
        expect(await storedIds()).toEqual(batch.map((m) => m.id).sort());
      } finally {
        await portal.close();
      }
    });
  }

  it("keeps the segment on 503 and reports the server's Retry-After", async () => {
    const busy = await fixedServer(503, JSON.stringify({ error: { code: "unavailable", message: "queue down" } }), { "retry-after": "45" });
    try {
      spool.append([mine()]);
      const report = await uploadSpool(spool, { serverUrl: busy.url, token: TOKEN });
      expect(report).toMatchObject({ uploaded: 0, quarantined: 0, segmentsLeft: 1, retryAfterSeconds: 45 });
      expect(report.stoppedBecause).toMatch(/503/);
    } finally {
      await busy.close();
    }
  });

  it("quarantines only the items the server rejected, one by one with its reason, and stores the rest", async () => {
    const url = await h.listen();
    const good = [mine(), mine()];
    const forged = fixtureMeasurement({ probeId: "someone-else", region: "KZ-47", network: "kcell-mobile", startedAt: ago(1) });
    spool.append([good[0]!, forged, good[1]!]);
    const report = await uploadSpool(spool, { serverUrl: url, token: TOKEN });
    expect(report).toMatchObject({ uploaded: 2, quarantined: 1, segmentsLeft: 0, stoppedBecause: null });
    expect(await storedIds()).toEqual(good.map((m) => m.id).sort());
    const q = spool.quarantined();
    expect(q).toHaveLength(1);
    expect((q[0]!.item as Measurement).id).toBe(forged.id);
    expect(q[0]!.reason).toMatch(/server: .*someone-else/);
    // requeue puts it back; the server still refuses it, and it lands in quarantine again — never lost.
    expect(spool.requeue()).toBe(1);
    expect(spool.pendingCount()).toBe(1);
    const again = await uploadSpool(spool, { serverUrl: url, token: TOKEN });
    expect(again).toMatchObject({ uploaded: 0, quarantined: 1, segmentsLeft: 0 });
    expect(spool.quarantined()).toHaveLength(1);
  });

  it("splits a batch the server finds too large (413) until every part fits", async () => {
    await h.close();
    h = await createHarness({ options: { maxUploadBytes: 6_000 } });
    await h.store.saveProbeToken({ probeId: "probe-47", region: "KZ-47", tokenHash: sha256Hex(TOKEN),
      createdAt: new Date().toISOString(), revokedAt: null });
    const url = await h.listen();
    const batch = Array.from({ length: 9 }, mine);
    expect(JSON.stringify({ measurements: batch }).length).toBeGreaterThan(6_000);
    spool.append(batch);
    const report = await uploadSpool(spool, { serverUrl: url, token: TOKEN });
    expect(report).toMatchObject({ uploaded: 9, quarantined: 0, segmentsLeft: 0, stoppedBecause: null });
    expect(await storedIds()).toEqual(batch.map((m) => m.id).sort());
  });

  it("quarantines a torn spool line instead of dropping it, and uploads the readable ones", async () => {
    const url = await h.listen();
    const batch = [mine()];
    const name = spool.append(batch);
    appendFileSync(join(dir, name), '{"version":1,"id":"trunc');
    const report = await uploadSpool(spool, { serverUrl: url, token: TOKEN });
    expect(report).toMatchObject({ uploaded: 1, quarantined: 1, segmentsLeft: 0 });
    expect(spool.quarantined()).toEqual([expect.objectContaining({ reason: expect.stringMatching(/unreadable/), item: '{"version":1,"id":"trunc' })]);
  });
});
