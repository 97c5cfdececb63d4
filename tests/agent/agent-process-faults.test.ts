// A real `keepwatch agent` process in its own network namespace, measuring a lab site and uploading to a
// real server (SQLite) in the root namespace, as faults really happen: the process is SIGKILLed while the
// server holds its answer to an upload it has already stored, and the server is unreachable (TCP resets)
// for several rounds. Every measurement must be stored, and stored once: the server deduplicates by id.
import { serve, type ServerType } from "@hono/node-server";
import { createServer, type Server } from "node:http";
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Spool } from "../../src/agent/spool.js";
import { sha256Hex } from "../../src/api/auth.js";
import { createHarness, NOW, testConfig, type Harness } from "../api/harness.js";
import { waitFor } from "../collector/wait-for.js";
import { NetLab, netnsAvailable, type LabHost } from "../helpers/netns.js";

const canRun = process.getuid?.() === 0 && netnsAvailable();
const TOKEN = "kwp_agent-process-faults";

describe.skipIf(!canRun)("a real agent process under faults", () => {
  const dir = mkdtempSync(join(tmpdir(), "kw-agent-faults-"));
  let lab: NetLab;
  let agentHost: LabHost;
  let h: Harness;
  let server: ServerType;
  let serverUrl = "";
  let site: Server;
  let list = "";
  /** When set, an upload is stored, then its answer is held until release() (the agent never hears back). */
  let hold: { stored: () => void; release: Promise<void> } | null = null;

  beforeAll(async () => {
    lab = new NetLab();
    agentHost = lab.addHost("agent");
    h = await createHarness({ clock: () => new Date() }, testConfig());
    await h.store.saveProbeToken({ probeId: "probe-47", region: "KZ-47", tokenHash: sha256Hex(TOKEN), createdAt: NOW.toISOString(), revokedAt: null });
    await new Promise<void>((resolve) => {
      server = serve({
        fetch: async (req, env) => {
          const res = await h.app.fetch(req, env);
          const held = hold;
          if (held && req.method === "POST" && new URL(req.url).pathname === "/api/v1/measurements") {
            held.stored();
            await held.release;
          }
          return res;
        },
        hostname: agentHost.gateway,
        port: 0,
      }, (info: AddressInfo) => {
        serverUrl = `http://${agentHost.gateway}:${info.port}`;
        resolve();
      });
    });
    site = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "text/html" });
      res.end("<title>site</title>ok");
    });
    await new Promise<void>((r) => site.listen(0, agentHost.gateway, r));
    const origin = `http://${agentHost.gateway}:${(site.address() as AddressInfo).port}`;
    list = join(dir, "targets.txt");
    writeFileSync(list, ["a", "b", "c"].map((p) => `${origin}/${p}`).join("\n"));
  }, 120_000);

  afterAll(async () => {
    if ("closeAllConnections" in server) server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    await new Promise<void>((r) => site.close(() => r()));
    await h.close();
    await lab.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  function agent(spool: string, extra: string[]): ChildProcess {
    return lab.spawn(agentHost, process.execPath, ["--import", "tsx", "src/cli.ts", "agent",
      "--server", serverUrl, "--insecure-lab-http", "--probe", "probe-47", "--region", "KZ-47", "--network", "kcell-mobile",
      "--list", list, "--spool", spool, "--state-dir", join(spool, "..", "state"), "--timeout", "5",
      // The lab's own resolver address for the local check: nothing leaves the lab.
      "--resolver", `${agentHost.gateway}:53`, "--not-bogon", "198.18.0.0/15", ...extra], { KEEPWATCH_PROBE_TOKEN: TOKEN });
  }
  const exited = (p: ChildProcess) => new Promise<{ code: number | null; signal: string | null }>((r) => {
    if (p.exitCode !== null || p.signalCode !== null) r({ code: p.exitCode, signal: p.signalCode });
    else p.once("exit", (code, signal) => r({ code, signal }));
  });
  // Every stored row (the lab has no DNS server at the local check's resolver, so rounds are local
  // failures: stored, not counted; that changes nothing about delivery).
  const storedIds = async () => {
    const ids = new Set<string>();
    for await (const m of h.store.streamMeasurements({ probeId: "probe-47" })) ids.add(m.id);
    return ids;
  };
  const pendingIds = (spool: Spool) => spool.segments().flatMap((s) => spool.read(s).measurements.map((m) => m.id));

  it("SIGKILL while the server holds its answer to a stored upload: the restart re-sends it and nothing is stored twice", async () => {
    const spoolDir = join(dir, "kill", "spool");
    let stored!: () => void;
    const arrived = new Promise<void>((r) => (stored = r));
    let release!: () => void;
    hold = { stored, release: new Promise<void>((r) => (release = r)) };
    const first = agent(spoolDir, ["--once"]);
    await arrived; // the server stored the batch; its answer is held
    const spool = new Spool(spoolDir);
    const sentButUnanswered = pendingIds(spool);
    expect(sentButUnanswered).toHaveLength(3);
    first.kill("SIGKILL");
    expect(await exited(first)).toEqual({ code: null, signal: "SIGKILL" });
    hold = null;
    release();
    // Still in the spool: the agent never heard that the server has it.
    expect(pendingIds(spool)).toEqual(sentButUnanswered);
    const before = h.enqueued.flat().length;

    const second = agent(spoolDir, ["--once"]);
    expect((await exited(second)).code).toBe(0);
    const sent = h.enqueued.flat().slice(before).map((m) => m.id);
    // The second run sent the unanswered batch again, then its own round's three.
    expect(sent.slice(0, 3)).toEqual(sentButUnanswered);
    expect(sent).toHaveLength(6);
    const ids = await storedIds();
    expect(ids.size).toBe(6);
    for (const id of sent) expect(ids.has(id)).toBe(true);
    // Received twice, stored once: the second insert of the same ids was counted as duplicates.
    expect(await h.store.insertMeasurements([(await h.store.getMeasurement(sentButUnanswered[0]!))!])).toEqual({ inserted: 0, duplicates: 1 });
    expect(spool.segments()).toEqual([]);
    expect(spool.quarantined()).toEqual([]);
  }, 240_000);

  it("server unreachable (TCP resets) for several rounds: everything spooled arrives once when it is back", async () => {
    const spoolDir = join(dir, "outage", "spool");
    const port = new URL(serverUrl).port;
    const block = ["OUTPUT", "-d", agentHost.gateway, "-p", "tcp", "--dport", port, "-j", "REJECT", "--reject-with", "tcp-reset"];
    lab.iptables(agentHost, ["-A", ...block]);
    const before = await storedIds();
    const p = agent(spoolDir, ["--cron", "*/3 * * * * *"]);
    const spool = new Spool(spoolDir);
    await waitFor(async () => pendingIds(spool).length >= 9, "three rounds spooled while the server is unreachable", 120_000);
    const pendingDuringOutage = pendingIds(spool);
    expect(spool.status().lastError).toMatch(/unreachable/);
    lab.iptables(agentHost, ["-D", ...block]);
    await waitFor(async () => {
      const ids = await storedIds();
      return pendingDuringOutage.every((id) => ids.has(id));
    }, "every measurement spooled during the outage to be stored", 120_000);
    p.kill("SIGTERM");
    expect((await exited(p)).code).toBe(0);
    const after = await storedIds();
    const added = [...after].filter((id) => !before.has(id));
    const enqueued = h.enqueued.flat().map((m) => m.id).filter((id) => !before.has(id));
    // Nothing lost: every id the agent ever sent is stored; nothing doubled: one row per id.
    expect(new Set(enqueued).size).toBe(added.length);
    expect(pendingIds(spool)).toEqual([]);
    expect(spool.quarantined()).toEqual([]);
  }, 300_000);
});
