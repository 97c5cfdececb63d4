// The agent's network attribution, end to end on loopback: a real server (SQLite, the real IP-to-ASN
// loader on the lab's files), a real target, the real checker, spool and uploader. The agent's whoami
// leaves from a local address mapped to a network (127.77/16 = the probe's mobile network, 127.78/16 = the
// volunteer's home line), the way --measure-via binds it to the measured interface.
import { createServer, type Server } from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import type { NetworkInterfaceInfo } from "node:os";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { Agent } from "../../src/agent/agent.js";
import { NetworkAttribution } from "../../src/agent/attribution.js";
import { NetworkWatch, routeSource } from "../../src/agent/network-watch.js";
import { ServerClient } from "../../src/agent/server-client.js";
import { Spool } from "../../src/agent/spool.js";
import { fetchWhoami } from "../../src/agent/whoami.js";
import { sha256Hex } from "../../src/api/auth.js";
import { createLogger } from "../../src/log.js";
import { createTargetChecker } from "../../src/worker/target-checker.js";
import { createHarness, NOW, testConfig, type Harness } from "../api/harness.js";
import { LAB_NETWORKS, writeLabIpToAsn } from "../attribution/lab-data.js";

const iface = (address: string, internal = false): NetworkInterfaceInfo =>
  ({ address, netmask: "255.255.255.0", family: "IPv4", mac: "00:00:00:00:00:00", internal, cidr: `${address}/24` });

describe("NetworkWatch", () => {
  it("the fingerprint follows the address set (not its order, not loopback) and the route to the server", async () => {
    let ifs: NodeJS.Dict<NetworkInterfaceInfo[]> = { lo: [iface("127.0.0.1", true)], wlan0: [iface("198.18.78.78")], wwan0: [iface("198.18.77.77")] };
    const watch = new NetworkWatch({ serverHost: "127.0.0.1", interfaces: () => ifs });
    const first = await watch.fingerprint();
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    ifs = { wwan0: [iface("198.18.77.77")], wlan0: [iface("198.18.78.78")], lo: [iface("127.0.0.2", true)] };
    expect(await watch.fingerprint()).toBe(first);
    ifs = { wlan0: [iface("198.18.78.78")] }; // the modem is gone
    expect(await watch.fingerprint()).not.toBe(first);
    // The route's source address is part of it: the kernel's choice for the server, found without sending.
    expect(await routeSource("127.0.0.1")).toBe("127.0.0.1");
  });

  it("measuring through one address: only the interface holding it counts, and whether it still does", async () => {
    let ifs: NodeJS.Dict<NetworkInterfaceInfo[]> = { wlan0: [iface("198.18.78.78")], wwan0: [iface("198.18.77.77")] };
    const watch = new NetworkWatch({ serverHost: "keepwatch.invalid", localAddress: "198.18.77.77", interfaces: () => ifs });
    const first = await watch.fingerprint();
    ifs = { wlan0: [iface("198.18.78.99")], wwan0: [iface("198.18.77.77")] };
    expect(await watch.fingerprint()).toBe(first); // the other line changed: not the measured network
    ifs = { wlan0: [iface("198.18.78.99")], wwan0: [iface("198.18.77.78")] };
    expect(await watch.fingerprint()).not.toBe(first);
  });
});

describe("an agent whose network changes under it", () => {
  const data = writeLabIpToAsn();
  afterAll(() => rmSync(data, { recursive: true, force: true }));
  const TOKEN = "kwp_attribution-agent";
  let h: Harness;
  let server: string;
  let target: Server;
  let targetUrl: string;
  let spoolDir: string;
  let onTargetHit: () => void = () => undefined;

  beforeEach(async () => {
    h = await createHarness({ clock: () => new Date() }, testConfig({ server: { ipToAsnData: data } }));
    await h.store.saveProbeToken({ probeId: "probe-47", region: "KZ-47", tokenHash: sha256Hex(TOKEN), createdAt: NOW.toISOString(), revokedAt: null });
    server = await h.listen();
    target = createServer((_req, res) => {
      onTargetHit();
      res.writeHead(200, { "content-type": "text/html" });
      res.end("<title>gov</title>ok");
    });
    await new Promise<void>((r) => target.listen(0, "127.0.0.1", r));
    targetUrl = `http://127.0.0.1:${(target.address() as AddressInfo).port}/`;
    spoolDir = mkdtempSync(join(tmpdir(), "kw-attr-spool-"));
  });
  afterEach(async () => {
    await new Promise<void>((r) => target.close(() => r()));
    await h.close();
    rmSync(spoolDir, { recursive: true, force: true });
  });

  it("confirmed on its own network (counted), on home Wi-Fi (stored, not counted), changed mid-round (unattributed)", async () => {
    let via: string = LAB_NETWORKS.mobileLoopback.sample;
    const client = new ServerClient([server], TOKEN, 10_000);
    const attribution = new NetworkAttribution({
      fingerprint: () => new NetworkWatch({ serverHost: "127.0.0.1", localAddress: via, interfaces: () => ({ wwan0: [iface(via)] }) }).fingerprint(),
      whoami: () => fetchWhoami(client, { localAddress: via, timeoutMs: 10_000 }),
    });
    const checker = await createTargetChecker({ timeoutSeconds: 5, threads: 1 });
    const agent = new Agent({
      who: { probeId: "probe-47", role: "region", region: "KZ-47", network: { id: "kcell-mobile", asn: 29355, kind: "mobile" } },
      targets: [{ url: targetUrl, list: "whitelisted", category: "government", throughput: false }],
      checker,
      spool: new Spool(spoolDir),
      upload: { serverUrl: server, token: TOKEN },
      cron: "0 0 1 1 *",
      concurrency: 1,
      log: createLogger({ name: "test-agent", level: "silent" }),
      attribution,
    });
    const r1 = await agent.round();
    via = LAB_NETWORKS.homeLoopback.sample; // the modem dropped; the laptop is on home Wi-Fi now
    const r2 = await agent.round();
    onTargetHit = () => { via = LAB_NETWORKS.mobileLoopback.sample; }; // and back, while measuring
    const r3 = await agent.round();
    onTargetHit = () => undefined;
    const r4 = await agent.round(); // unchanged since: the server confirms it again
    for (const r of [r1, r2, r3, r4]) expect(r.upload).toMatchObject({ uploaded: 1, stoppedBecause: null });

    const stored = await Promise.all(h.enqueued.flat().map((m) => h.store.getMeasurement(m.id)));
    expect(stored.map((m) => [m!.attribution!.status, m!.attribution!.asn, m!.attribution!.verdict])).toEqual([
      ["confirmed", 29355, "registered-network"],
      ["confirmed", 9198, "other-network"],
      ["unattributed", null, "unattributed"],
      ["confirmed", 29355, "registered-network"],
    ]);
    const counted = (await h.store.measurementFacts({ probeId: "probe-47" })).map((f) => f.id);
    expect(counted).toEqual([stored[0]!.id, stored[2]!.id, stored[3]!.id]);
  }, 120_000);
});
