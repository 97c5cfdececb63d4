import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from "node:fs";
import { createServer } from "node:net";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { labLocalCheck, type LabLocalCheck } from "./lab-local-check.js";
import { sha256Hex } from "../../src/api/auth.js";
import { enroll, EnrollError } from "../../src/agent/enroll.js";
import { defaultStateDir, enrollmentPath, loadEnrollment } from "../../src/agent/state-dir.js";
import { runAgent, type AgentCliOptions } from "../../src/cli/agent.js";
import { Spool } from "../../src/agent/spool.js";
import { Agent } from "../../src/agent/agent.js";
import { readTargetList } from "../../src/cli/target-list.js";
import { createLogger } from "../../src/log.js";
import { createTargetChecker } from "../../src/worker/target-checker.js";
import { createHarness, testConfig, type Harness } from "../api/harness.js";
import { startTestHttpServer, type TestHttpServer } from "../helpers/http-servers.js";

const ADMIN = "admin-secret-for-tests";

/** A loopback port that refuses connections: a relay that is down. */
async function deadPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe("keepwatch agent enroll", () => {
  let h: Harness;
  /** How far the server's clock is ahead of the real one (an expiry test moves it). */
  let serverAheadMs = 0;
  let server: string;
  let dir: string;
  let lab: LabLocalCheck;
  let site: TestHttpServer | null = null;
  beforeEach(async () => {
    // The real clock: the agent's measurements are dated now and the server checks their dates.
    serverAheadMs = 0;
    h = await createHarness({ clock: () => new Date(Date.now() + serverAheadMs) }, testConfig({ server: { adminTokenHash: sha256Hex(ADMIN) } }));
    server = await h.listen();
    dir = mkdtempSync(join(tmpdir(), "kw-enroll-"));
    lab = await labLocalCheck(dir);
  });
  afterEach(async () => {
    await lab?.close();
    await site?.close();
    site = null;
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function newCode(): Promise<string> {
    const res = await fetch(`${server}/api/v1/admin/invites`, {
      method: "POST",
      headers: { Authorization: `Bearer ${ADMIN}`, "Content-Type": "application/json" },
      body: JSON.stringify({ region: "KZ-47", network: "kcell-mobile" }),
    });
    return ((await res.json()) as { code: string }).code;
  }

  it("refuses an http:// server without the lab flag, before sending the code anywhere", async () => {
    const code = await newCode();
    await expect(enroll({ code, servers: [server], stateDir: dir })).rejects.toThrow(/http:\/\/: the token would travel in the clear/);
    await expect(enroll({ code, servers: ["ftp://x.test"], stateDir: dir })).rejects.toThrow(/must be https/);
    expect(existsSync(enrollmentPath(dir))).toBe(false);
    // The code was not spent: it still enrolls.
    expect((await enroll({ code, servers: [server], stateDir: dir, insecureLabHttp: true })).region).toBe("KZ-47");
  });

  it("stores servers, identity and token readable by the owner only; a reused code is refused and changes nothing", async () => {
    const code = await newCode();
    const relayDown = `http://127.0.0.1:${await deadPort()}`;
    // The first relay is down: the next one enrolls.
    const e = await enroll({ code, servers: [relayDown, server], stateDir: join(dir, "state"), insecureLabHttp: true });
    expect(e.servers).toEqual([relayDown, server]);
    const path = enrollmentPath(join(dir, "state"));
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, "state")).mode & 0o077).toBe(0);
    expect(loadEnrollment(join(dir, "state"))).toMatchObject({ probeId: e.probeId, region: "KZ-47", token: e.token });
    expect(await h.store.findProbeToken(sha256Hex(e.token))).toMatchObject({ probeId: e.probeId });

    const before = readFileSync(path, "utf8");
    const reuse = enroll({ code, servers: [server], stateDir: join(dir, "state"), insecureLabHttp: true });
    await expect(reuse).rejects.toBeInstanceOf(EnrollError);
    await expect(reuse).rejects.toThrow(/already used/);
    expect(readFileSync(path, "utf8")).toBe(before);
    await expect(enroll({ code: "kwi_wrongwrongwrongwrongwron", servers: [server], stateDir: join(dir, "other"), insecureLabHttp: true }))
      .rejects.toThrow(/unknown enrollment code/);
    expect(existsSync(join(dir, "other", "enrollment.json"))).toBe(false);
  });

  it("the state directory is $STATE_DIRECTORY, else $XDG_STATE_HOME/keepwatch, else ~/.local/state/keepwatch — never the working directory", () => {
    expect(defaultStateDir({ STATE_DIRECTORY: "/var/lib/keepwatch:/var/lib/other", XDG_STATE_HOME: "/x" })).toBe("/var/lib/keepwatch");
    expect(defaultStateDir({ XDG_STATE_HOME: "/home/v/.state" })).toBe("/home/v/.state/keepwatch");
    // Relative values (a careless export) are ignored rather than resolved against the working directory.
    expect(defaultStateDir({ STATE_DIRECTORY: "state", XDG_STATE_HOME: "rel" })).toBe(join(homedir(), ".local", "state", "keepwatch"));
  });

  it("after enrolling, `keepwatch agent` needs no identity flags: it measures and uploads as the enrolled probe", async () => {
    const stateDir = join(dir, "state");
    const code = await newCode();
    const e = await enroll({ code, servers: [server], stateDir, insecureLabHttp: true });
    site = await startTestHttpServer();
    const list = join(dir, "targets.txt");
    writeFileSync(list, `${site.origin}/\n`);
    const opts: AgentCliOptions = { stateDir, list, networkKind: "unknown", cron: "*/5 * * * *", country: "KZ",
      notBogon: ["127.0.0.0/8"], timeout: "5", helper: [], once: true, localCheck: lab.options };
    expect(await runAgent(opts)).toBe(0);
    const stored = h.enqueued.flat();
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ probe: { id: e.probeId, role: "region" }, region: "KZ-47", network: { id: "kcell-mobile", asn: 29355 } });
    // The spool lives in the state directory, not in the working directory.
    expect(existsSync(join(stateDir, "spool"))).toBe(true);
    expect(existsSync(join(process.cwd(), ".keepwatch", "spool"))).toBe(false);

    // Not enrolled: a clear exit 2.
    expect(await runAgent({ ...opts, stateDir: join(dir, "nobody") })).toBe(2);
    // A revoked token: the round measures, keeps everything spooled and reports non-delivery.
    await fetch(`${server}/api/v1/admin/probes/${e.probeId}/tokens`, { method: "DELETE", headers: { Authorization: `Bearer ${ADMIN}` } });
    expect(await runAgent(opts)).toBe(1);
    expect(h.enqueued.flat()).toHaveLength(1);
  }, 60_000);

  it("--enroll CODE --server URL enrolls and runs in one command; a restart with the same (used) code runs as enrolled", async () => {
    const stateDir = join(dir, "one-command");
    const code = await newCode();
    site = await startTestHttpServer();
    const list = join(dir, "one.txt");
    writeFileSync(list, `${site.origin}/\n`);
    const opts: AgentCliOptions = { enroll: code, server: [server], insecureLabHttp: true, stateDir, list, networkKind: "unknown",
      country: "KZ", notBogon: ["127.0.0.0/8"], helper: [], once: true, localCheck: lab.options };
    expect(await runAgent(opts)).toBe(0);
    const probeId = loadEnrollment(stateDir)!.probeId;
    expect(await runAgent(opts)).toBe(0);
    expect(h.enqueued.flat().map((m) => m.probe.id)).toEqual([probeId, probeId]);
    // A fresh machine given a used code: a clear refusal, exit 2.
    expect(await runAgent({ ...opts, stateDir: join(dir, "second-machine") })).toBe(2);
  }, 60_000);

  it("an expired or revoked code is refused with its reason and writes nothing; a revoked token loses nothing measured", async () => {
    // Expired: the server's clock moves past the invite's expiry.
    const res = await fetch(`${server}/api/v1/admin/invites`, {
      method: "POST",
      headers: { Authorization: `Bearer ${ADMIN}`, "Content-Type": "application/json" },
      body: JSON.stringify({ region: "KZ-47", network: "kcell-mobile", expires: "30m" }),
    });
    const shortLived = ((await res.json()) as { code: string }).code;
    serverAheadMs = 31 * 60_000;
    await expect(enroll({ code: shortLived, servers: [server], stateDir: dir, insecureLabHttp: true }))
      .rejects.toThrow(/enrollment refused: this enrollment code has expired; ask the operator for a new one/);
    serverAheadMs = 0;
    // Revoked by the operator before use.
    const revokedCode = await newCode();
    const listed = (await (await fetch(`${server}/api/v1/admin/invites`, { headers: { Authorization: `Bearer ${ADMIN}` } })).json()) as { invites: { id: string; status: string }[] };
    for (const i of listed.invites.filter((x) => x.status === "open")) {
      expect((await fetch(`${server}/api/v1/admin/invites/${i.id}`, { method: "DELETE", headers: { Authorization: `Bearer ${ADMIN}` } })).status).toBe(200);
    }
    await expect(enroll({ code: revokedCode, servers: [server], stateDir: dir, insecureLabHttp: true })).rejects.toThrow(/enrollment refused: this enrollment code has expired; ask the operator for a new one/);
    await expect(enroll({ code: shortLived, servers: [server], stateDir: dir, insecureLabHttp: true })).rejects.toThrow(/expired/);
    expect(existsSync(enrollmentPath(dir))).toBe(false);

    // Enrolled, then the operator revokes the probe: rounds keep measuring into the spool; nothing is lost.
    const e = await enroll({ code: await newCode(), servers: [server], stateDir: dir, insecureLabHttp: true });
    site = await startTestHttpServer();
    const list = join(dir, "targets.txt");
    writeFileSync(list, `${site.origin}/\n`);
    await fetch(`${server}/api/v1/admin/probes/${e.probeId}/tokens`, { method: "DELETE", headers: { Authorization: `Bearer ${ADMIN}` } });
    // The Agent itself, without the CLI's local check (that one asks the machine's real gateway and resolver).
    const agent = new Agent({
      who: { probeId: e.probeId, role: "region", region: e.region, network: e.network },
      targets: await readTargetList(list),
      checker: await createTargetChecker({ timeoutSeconds: 5, threads: 1, notBogon: ["127.0.0.0/8"] }),
      spool: new Spool(join(dir, "spool")),
      upload: { serverUrl: server, token: e.token },
      cron: "0 0 1 1 *",
      concurrency: 1,
      log: createLogger({ name: "test-agent", level: "silent" }),
    });
    for (let round = 0; round < 2; round++) expect((await agent.round()).upload.stoppedBecause).toMatch(/token refused \(401\)/);
    const spool = new Spool(join(dir, "spool"));
    expect(spool.pendingCount()).toBe(2);
    expect(spool.quarantined()).toEqual([]);
    expect(spool.status().lastError).toMatch(/token refused \(401\)/);
    expect(h.enqueued.flat()).toHaveLength(0);
  }, 120_000);
});
