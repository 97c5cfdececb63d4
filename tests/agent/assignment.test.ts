import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { labLocalCheck, type LabLocalCheck } from "./lab-local-check.js";
import { sha256Hex } from "../../src/api/auth.js";
import { enroll } from "../../src/agent/enroll.js";
import { Spool } from "../../src/agent/spool.js";
import { loadEnrollment, saveEnrollment, type Enrollment } from "../../src/agent/state-dir.js";
import { runAgent, type AgentCliOptions } from "../../src/cli/agent.js";
import { createHarness, testConfig, type Harness } from "../api/harness.js";
import { startTestHttpServer, type TestHttpServer } from "../helpers/http-servers.js";

const ADMIN = "admin-secret-for-tests";

async function deadServer(): Promise<string> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return `http://127.0.0.1:${port}`;
}

describe("agent assignment, heartbeat and relays", () => {
  let h: Harness;
  let site: TestHttpServer;
  let server: string;
  let dir: string;
  let lab: LabLocalCheck;
  let stateDir: string;
  let e: Enrollment;
  const opts = (): AgentCliOptions => ({ stateDir, networkKind: "unknown", country: "KZ", notBogon: ["127.0.0.0/8"], helper: [], once: true, localCheck: lab.options });

  beforeEach(async () => {
    site = await startTestHttpServer();
    const config = testConfig({
      server: { adminTokenHash: sha256Hex(ADMIN) },
      targets: { fromWhitelist: false, extra: [
        { url: `${site.origin}/`, list: "whitelisted", category: "government" },
        { url: `${site.origin}/news`, list: "non_whitelisted", category: "news" },
      ] },
      schedule: { cron: "*/2 * * * *", timeoutSeconds: 5 },
    });
    h = await createHarness({ clock: () => new Date() }, config);
    server = await h.listen();
    dir = mkdtempSync(join(tmpdir(), "kw-assign-"));
    lab = await labLocalCheck(dir);
    stateDir = join(dir, "state");
    const res = await fetch(`${server}/api/v1/admin/invites`, { method: "POST",
      headers: { Authorization: `Bearer ${ADMIN}`, "Content-Type": "application/json" },
      body: JSON.stringify({ region: "KZ-47", network: "kcell-mobile" }) });
    e = await enroll({ code: ((await res.json()) as { code: string }).code, servers: [server], stateDir, insecureLabHttp: true });
  });
  afterEach(async () => {
    await lab?.close();
    await site.close();
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("measures the server's targets with their lists and categories, caches the assignment, and sends a heartbeat", async () => {
    expect(await runAgent(opts())).toBe(0);
    // The local check asked the lab's resolver, not this machine's.
    expect(lab.dns.queries.length).toBeGreaterThan(0);
    const got = h.enqueued.flat();
    expect(got.map((m) => [m.target.url, m.target.list, m.target.category]).sort()).toEqual([
      [`${site.origin}/`, "whitelisted", "government"], [`${site.origin}/news`, "non_whitelisted", "news"]]);
    expect(existsSync(join(stateDir, "assignment.json"))).toBe(true);
    const probes = (await (await fetch(`${server}/api/v1/probes`)).json()) as { probes: { id: string; region: string; heartbeat: Record<string, unknown> | null }[] };
    const mine = probes.probes.find((p) => p.id === e.probeId);
    expect(mine?.region).toBe("KZ-47");
    expect(mine?.heartbeat).toMatchObject({ version: expect.stringMatching(/^keepwatch\//), spoolDepth: 0, lastError: null });
    expect(Math.abs(mine!.heartbeat!.clockOffsetMs as number)).toBeLessThan(5_000);
    expect(Date.parse(mine!.heartbeat!.lastRoundAt as string)).toBeGreaterThan(Date.now() - 120_000);
  }, 60_000);

  it("server gone after the first fetch: the next round still measures the assigned targets from the cache", async () => {
    expect(await runAgent(opts())).toBe(0);
    const delivered = h.enqueued.flat().length;
    // The server is unreachable now (its only address answers nothing).
    saveEnrollment(stateDir, { ...loadEnrollment(stateDir)!, servers: [await deadServer()] });
    expect(await runAgent(opts())).toBe(1); // measured, kept, not delivered
    const spool = new Spool(join(stateDir, "spool"));
    const kept = spool.segments().flatMap((s) => spool.read(s).measurements);
    expect(kept.map((m) => [m.target.url, m.target.list]).sort()).toEqual([
      [`${site.origin}/`, "whitelisted"], [`${site.origin}/news`, "non_whitelisted"]]);
    expect(h.enqueued.flat()).toHaveLength(delivered);

    // Back online through the real server: the spool drains once, nothing twice.
    saveEnrollment(stateDir, { ...loadEnrollment(stateDir)!, servers: [server] });
    expect(await runAgent(opts())).toBe(0);
    const ids = h.enqueued.flat().map((m) => m.id);
    expect(ids).toHaveLength(delivered + 2 + 2);
    expect(new Set(ids).size).toBe(ids.length);
  }, 90_000);

  it("first relay down: assignment, uploads and heartbeat go through the next one", async () => {
    saveEnrollment(stateDir, { ...loadEnrollment(stateDir)!, servers: [await deadServer(), server] });
    expect(await runAgent(opts())).toBe(0);
    expect(h.enqueued.flat()).toHaveLength(2);
    expect((await h.store.listHeartbeats()).map((b) => b.probeId)).toEqual([e.probeId]);
  }, 60_000);

  it("a revoked token gets no assignment (401) and no heartbeat is stored; the cached assignment still measures", async () => {
    expect(await runAgent(opts())).toBe(0);
    const before = await h.store.listHeartbeats();
    await fetch(`${server}/api/v1/admin/probes/${e.probeId}/tokens`, { method: "DELETE", headers: { Authorization: `Bearer ${ADMIN}` } });
    const direct = await fetch(`${server}/api/v1/agent/assignment`, { headers: { Authorization: `Bearer ${e.token}` } });
    expect(direct.status).toBe(401);
    expect(await runAgent(opts())).toBe(1);
    expect(await h.store.listHeartbeats()).toEqual(before);
    const spool = new Spool(join(stateDir, "spool"));
    expect(spool.segments().flatMap((s) => spool.read(s).measurements)).toHaveLength(2);
  }, 60_000);
});
