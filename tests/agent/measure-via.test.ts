// --measure-via in the agent: the interface's address is looked up every round, the round's checks are bound
// to it (real loopback servers see that address), and a round without it measures nothing through another
// route: every target is recorded as measure_via_down with the round marked the volunteer's own outage.
// The interface table is os.networkInterfaces()'s shape; the sockets, servers and spool are real.
import { mkdtempSync, rmSync } from "node:fs";
import type { NetworkInterfaceInfo } from "node:os";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Agent } from "../../src/agent/agent.js";
import { MEASURE_VIA_DOWN, MeasuredInterface, parseMeasureVia, resolveVia, routeDevice } from "../../src/agent/measure-via.js";
import { Spool } from "../../src/agent/spool.js";
import { isLocalFailure, measurementSchema, type Measurement } from "../../src/measurement.js";
import { createTargetChecker } from "../../src/worker/target-checker.js";
import { makeTestPki, type TestPki } from "../helpers/certs.js";
import { startDnsServer, type TestDnsServer } from "../helpers/dns-server.js";
import { startTestHttpServer, type TestHttpServer } from "../helpers/http-servers.js";
import { freePort } from "../helpers/redis.js";

const nic = (address: string, family: "IPv4" | "IPv6" = "IPv4"): NetworkInterfaceInfo => family === "IPv4"
  ? { address, family, netmask: "255.255.255.0", mac: "02:00:00:00:00:01", internal: false, cidr: `${address}/24` }
  : { address, family, netmask: "ffff:ffff:ffff:ffff::", mac: "02:00:00:00:00:01", internal: false, cidr: `${address}/64`, scopeid: 0 };

describe("parseMeasureVia and resolveVia", () => {
  it("tells an address from an interface name and refuses anything else", () => {
    expect(parseMeasureVia("wwan0")).toEqual({ interface: "wwan0" });
    expect(parseMeasureVia("198.18.3.2")).toEqual({ address: "198.18.3.2" });
    expect(parseMeasureVia("fd00::2")).toEqual({ address: "fd00::2" });
    for (const bad of ["", "eth0; rm -rf /", "a-very-long-interface-name", "../etc"]) expect(() => parseMeasureVia(bad)).toThrow(/--measure-via/);
  });

  it("takes an interface's routable addresses, one per family, skipping link-local", () => {
    const table = { wwan0: [nic("fe80::1", "IPv6"), nic("10.64.0.7"), nic("2001:db8::7", "IPv6")], eth0: [nic("192.168.1.20")] };
    expect(resolveVia({ interface: "wwan0" }, table)).toEqual({ up: true, local: { ipv4: "10.64.0.7", ipv6: "2001:db8::7" } });
    expect(resolveVia({ interface: "usb0" }, table)).toMatchObject({ up: false, reason: expect.stringMatching(/usb0 is not there or is down/) });
    expect(resolveVia({ interface: "wwan0" }, { wwan0: [nic("fe80::1", "IPv6")] })).toMatchObject({ up: false, reason: expect.stringMatching(/no address/) });
  });

  it("checks an address against the real interface table, and never names it in the reason", () => {
    expect(resolveVia({ address: "127.0.0.1" })).toEqual({ up: true, local: { ipv4: "127.0.0.1", ipv6: null } });
    const gone = resolveVia({ address: "192.0.2.77" }); // TEST-NET-1: on no interface
    expect(gone.up).toBe(false);
    expect(JSON.stringify(gone)).not.toContain("192.0.2.77");
  });
});

describe("the policy-route check before each round", () => {
  const never = async () => async () => { throw new Error("no check in this test"); };
  const table = () => ({ wwan0: [nic("10.64.0.7")], eth0: [nic("192.168.1.20")] });

  it("asks the kernel (ip route get) which interface a packet from an address leaves by", async () => {
    expect(await routeDevice("127.0.0.1", "127.0.0.1")).toBe("lo");
  });

  it("measures nothing when bound packets would leave by another interface (no or stale policy route)", async () => {
    const asked: string[][] = [];
    const lookup = async (src: string, dst: string) => (asked.push([src, dst]), "eth0");
    const path = await new MeasuredInterface({ interface: "wwan0" }, never, table, { destination: "10.64.0.1", lookup }).prepare();
    expect(asked).toEqual([["10.64.0.7", "10.64.0.1"]]);
    // A resolver on the modem's own link is reached without the policy route: the off-link lookup catches that.
    const onLink = async (src: string, dst: string) => (asked.push([src, dst]), dst === "10.64.0.1" ? "wwan0" : "eth0");
    const p2 = await new MeasuredInterface({ interface: "wwan0" }, never, table, { destination: "10.64.0.1", lookup: onLink }).prepare();
    expect(asked.slice(1)).toEqual([["10.64.0.7", "10.64.0.1"], ["10.64.0.7", "192.0.2.1"]]);
    expect(p2.reason).toMatch(/would leave through eth0/);
    expect(path.checker).toBeNull();
    expect(path.failure).toBe(MEASURE_VIA_DOWN);
    expect(path.reason).toMatch(/wwan0's address would leave through eth0/);
    expect(path.local).toEqual({ gateway: "none", resolver: "unknown" });
  });

  it("measures when the route leaves by the interface, or when nothing would leave at all", async () => {
    for (const answer of ["wwan0", "unreachable", null] as const) {
      const m = new MeasuredInterface({ address: "10.64.0.7" }, async () => async () => { throw new Error("unused"); }, table,
        { destination: "10.64.0.1", lookup: async () => answer });
      const path = await m.prepare();
      expect(path.reason, String(answer)).toBeNull();
      expect(path.checker).not.toBeNull();
    }
  });
});

describe("an agent measuring through an interface", () => {
  const VIA = "127.0.0.3";
  let pki: TestPki;
  let dns: TestDnsServer;
  let site: TestHttpServer;
  let dir: string;
  let table: NodeJS.Dict<NetworkInterfaceInfo[]>;
  let agent: Agent;
  let spool: Spool;
  let lookups = 0;
  let uploadPort: number;
  const settings = () => ({ resolver: dns.resolver, caFiles: [pki.caCertPath], notBogon: ["127.0.0.0/8"], timeoutSeconds: 3 });
  const makeAgent = (measureVia: MeasuredInterface) => new Agent({
    who: { probeId: "probe-47", role: "region", region: "KZ-47", network: { id: "kcell-mobile", asn: 29355, kind: "mobile" } },
    targets: [{ url: `https://site.test:${site.port}/page`, list: "whitelisted", category: "gov", throughput: true }],
    checker: async () => { throw new Error("the unbound checker must not be used with --measure-via"); },
    localCheck: async () => { throw new Error("the default-route check must not be used with --measure-via"); },
    spool, upload: { serverUrl: `http://127.0.0.1:${uploadPort}`, token: "kwp_x", timeoutSeconds: 1 },
    cron: "* * * * *", concurrency: 2, log: pino({ level: "silent" }), measureVia,
  });

  beforeAll(async () => {
    pki = makeTestPki();
    site = await startTestHttpServer({ address: "127.0.0.1", tls: pki.leaf(["site.test"]) });
    dns = await startDnsServer({ rules: { "site.test": { A: ["127.0.0.1"] } } });
    dir = mkdtempSync(join(tmpdir(), "kw-via-"));
    spool = new Spool(join(dir, "spool"));
    table = { modem0: [nic(VIA)] };
    uploadPort = await freePort(); // nothing listens: uploads stay spooled, which is where this test reads them
    agent = makeAgent(new MeasuredInterface({ interface: "modem0" },
      (localAddress) => createTargetChecker({ ...settings(), localAddress }), () => (lookups++, table)));
  });
  afterAll(async () => {
    await Promise.all([site?.close(), dns?.close()]);
    pki?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  const spooled = (): Measurement[] => spool.segments().flatMap((s) => spool.read(s).measurements);

  it("binds the round's checks (and the throughput download) to the interface's address", async () => {
    const [q0, r0] = [dns.queries.length, site.requests.length];
    const r = await agent.round();
    expect(r.measureViaProblem).toBeNull();
    const [m] = spooled().slice(-1);
    expect(measurementSchema.parse(m).verdict.accessible).toBe(true);
    expect(m!.throughput?.failure).toBeNull();
    expect(m!.local).toEqual({ gateway: "ok", resolver: "unknown" });
    expect(new Set(dns.queries.slice(q0).map((q) => q.from))).toEqual(new Set([VIA]));
    expect(site.requests.slice(r0).map((q) => q.from)).toEqual([VIA, VIA]); // the page, then the throughput GET
  });

  it("records every target as measure_via_down, a local outage, when the interface is gone — and sends nothing", async () => {
    const [q0, r0, n0] = [dns.queries.length, site.requests.length, spooled().length];
    table = {};
    const r = await agent.round();
    expect(r.measureViaProblem).toMatch(/modem0 is not there or is down/);
    const fresh = spooled().slice(n0);
    expect(fresh).toHaveLength(1);
    const m = measurementSchema.parse(fresh[0]);
    expect(m.verdict).toEqual({ accessible: false, blocking: null, failure: MEASURE_VIA_DOWN, determined: false });
    expect(m.local).toEqual({ gateway: "none", resolver: "unknown" });
    expect(isLocalFailure(m)).toBe(true);
    expect(m.throughput).toBeNull();
    expect(dns.queries.length).toBe(q0);
    expect(site.requests.length).toBe(r0);
  });

  it("marks a round whose interface lost its address while it ran: measured through it, but not the network's result", async () => {
    const [n0, r0] = [spooled().length, site.requests.length];
    let roundLookups = 0;
    // The lookup before the round finds the address; the one after finds the modem gone (it dropped mid-round).
    const dropping = new MeasuredInterface({ interface: "modem0" },
      (localAddress) => createTargetChecker({ ...settings(), localAddress }),
      () => (roundLookups++ === 0 ? { modem0: [nic(VIA)] } : {}));
    await makeAgent(dropping).round();
    const [m] = spooled().slice(n0);
    expect(site.requests.slice(r0).map((q) => q.from)).toContain(VIA);
    expect(m!.local).toEqual({ gateway: "none", resolver: "unknown" });
    expect(isLocalFailure(m!)).toBe(true);
  });

  it("rebinds when the interface comes back with another address", async () => {
    const r0 = site.requests.length;
    table = { modem0: [nic("127.0.0.4")] };
    await agent.round();
    expect(new Set(site.requests.slice(r0).map((q) => q.from))).toEqual(new Set(["127.0.0.4"]));
    expect(lookups).toBeGreaterThan(0);
  });
});
