// The site check end to end over real network namespaces: what loopback cannot show. The test process stays
// in the root namespace and is the probe; the sites (HTTPS :443, HTTP :80) and the region's resolver run in a
// "server" namespace, the control resolver in a "control" namespace. A censor is played by iptables and tc
// inside the server namespace: dropped SYNs, resets triggered by the TLS SNI or the HTTP Host header,
// a lying resolver, a rate-limited and delayed link, and a site that is simply down.
//
// Needs root with `ip netns`, iptables (string match) and tc. It fails, loudly, where they are missing.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBogonMatcher } from "../../probes/bogons.js";
import { probeThroughput } from "../../probes/throughput.js";
import { checkSite, type WebCheckOptions } from "../../probes/web.js";
import { makeTestPki, type TestPki } from "../helpers/certs.js";
import { NetLab, netnsAvailable, type LabHost } from "../helpers/netns.js";
import { startLabServers, type RunningLabServers } from "./fixtures/start-lab-servers.js";

const NAMES = ["allowed.test", "blocked.test", "filtered.test", "poisoned.test", "censored.test", "down.test"];
// The lab lives in 198.18.0.0/15, which OONI's list calls a bogon.
const bogons = createBogonMatcher({ notBogon: ["198.18.0.0/15"] });

let lab: NetLab | undefined;
let pki: TestPki | undefined;
let server: LabHost;
let control: LabHost;
/** Address of the server namespace whose :443 drops every SYN. */
let filteredAddress: string;
/** A namespace of its own whose one site is stopped to play a site that is down for everyone. */
let down: LabHost;
let downSite: RunningLabServers;
let regionResolver: string;
/** A second HTTPS server in the server namespace, on a port the throttling test leaves unshaped. */
const PEER_PORT = 8443;
let controlResolver: string;

beforeAll(async () => {
  if (!netnsAvailable()) {
    throw new Error("tests/e2e/probes-netns needs root with `ip netns`, iptables and tc: run it as root in CI (none found here)");
  }
  lab = new NetLab();
  pki = makeTestPki();
  server = lab.addHost("srv");
  control = lab.addHost("ctl");
  down = lab.addHost("down");
  // One more /32 on the server namespace, out of this lab's /24 (the /30 links use the low addresses).
  filteredAddress = `${server.address.split(".").slice(0, 3).join(".")}.${Number(server.address.split(".")[3]) + 200}`;
  lab.addAddress(server, filteredAddress);

  const leaf = pki.leaf(NAMES);
  const certFile = join(pki.dir, "lab-leaf.pem");
  const keyFile = join(pki.dir, "lab-leaf.key");
  writeFileSync(certFile, leaf.cert);
  writeFileSync(keyFile, leaf.key);

  const real = {
    "allowed.test": { A: [server.address] },
    "blocked.test": { A: [server.address] },
    "filtered.test": { A: [filteredAddress] },
    "poisoned.test": { A: [server.address] },
    "censored.test": { A: [server.address] },
    "down.test": { A: [down.address] },
  };
  // The region's resolver lies about two names: a wrong (lab) address where no site listens, and NXDOMAIN.
  const region = { ...real, "poisoned.test": { A: [control.address] }, "censored.test": { rcode: "NXDOMAIN" as const } };
  const [sites, , controlDns] = await Promise.all([
    startLabServers(lab, server, {
      https: { address: "0.0.0.0", port: 443, certFile, keyFile },
      http: { address: "0.0.0.0", port: 80 },
      dns: { host: server.address, rules: region },
    }),
    (async () => {
      downSite = await startLabServers(lab!, down, { https: { address: "0.0.0.0", port: 443, certFile, keyFile } });
    })(),
    startLabServers(lab, control, { dns: { host: control.address, rules: real } }),
  ]);
  // After the others, not alongside: four processes compiling TypeScript at once start slowly on a loaded machine.
  await startLabServers(lab, server, { https: { address: "0.0.0.0", port: PEER_PORT, certFile, keyFile } });
  regionResolver = `${server.address}:${sites.ports.dns}`;
  controlResolver = `${control.address}:${controlDns.ports.dns}`;
});

afterAll(async () => {
  await lab?.cleanup();
  pki?.cleanup();
});

const options = (extra: Partial<WebCheckOptions> = {}): WebCheckOptions => ({
  timeoutSeconds: 3,
  resolver: regionResolver,
  controlResolver,
  ca: [pki!.caCert],
  bogons,
  ...extra,
});

/** Adds an iptables rule in the server namespace for the duration of `fn`. */
async function withRule<T>(rule: string[], fn: () => Promise<T>): Promise<T> {
  lab!.iptables(server, ["-I", "INPUT", ...rule]);
  try {
    return await fn();
  } finally {
    lab!.iptables(server, ["-D", "INPUT", ...rule]);
  }
}

describe("checkSite across network namespaces", () => {
  it("finds a site accessible over the veth link, every layer measured", async () => {
    const r = await checkSite("https://allowed.test/", options());
    expect(r.verdict).toEqual({ accessible: true, blocking: null, failure: null, determined: true });
    expect(r.dns[0]?.addresses).toEqual([server.address]);
    expect(r.controlDns?.addresses).toEqual([server.address]);
    expect(r.tls[0]?.certificate?.altNames).toContain("allowed.test");
    expect(r.http?.status).toBe(200);
  });

  it("opens one connection per check to the site (OONI LTE), counted by the server's own firewall", async () => {
    const synsTo = (port: number) => {
      // A rule with no target only counts: SYNs to the site's address and port.
      const listing = lab!.exec(server, "iptables", ["-w", "-L", "INPUT", "-v", "-x", "-n"]);
      const line = listing.split("\n").find((l) => l.includes(server.address) && l.includes(`dpt:${port}`) && l.includes("0x17/0x02"));
      return Number(line?.trim().split(/\s+/)[0] ?? NaN);
    };
    for (const [scheme, port] of [["https", 443], ["http", 80]] as const) {
      const rule = ["-d", server.address, "-p", "tcp", "--dport", String(port), "--syn"];
      const r = await withRule(rule, async () => {
        const check = await checkSite(`${scheme}://allowed.test/`, options());
        return { check, syns: synsTo(port) };
      });
      expect(r.check.verdict.accessible).toBe(true);
      expect(r.syns).toBe(1);
      expect(r.check.http?.hops[0]?.phases.connect).toBe(r.check.tcp[0]?.connectTime);
    }
  });

  it("calls dropped SYNs TCP blocking (tcp_timeout)", async () => {
    expect((await checkSite("https://filtered.test/", options())).verdict.accessible).toBe(true);
    const rule = ["-d", filteredAddress, "-p", "tcp", "--dport", "443", "-j", "DROP"];
    const r = await withRule(rule, () => checkSite("https://filtered.test/", options({ timeoutSeconds: 1.5 })));
    expect(r.tcp).toEqual([{ address: filteredAddress, port: 443, failure: "tcp_timeout", connectTime: null }]);
    expect(r.http).toBeNull();
    expect(r.verdict).toMatchObject({ accessible: false, blocking: "tcp", failure: "tcp_timeout" });
  });

  it("calls a reset on the TLS SNI TLS blocking (tls_reset) while another name on the same address works", async () => {
    expect((await checkSite("https://blocked.test/", options())).verdict.accessible).toBe(true);
    const rule = ["-p", "tcp", "--dport", "443", "-m", "string", "--string", "blocked.test", "--algo", "bm",
      "-j", "REJECT", "--reject-with", "tcp-reset"];
    const [blocked, allowed] = await withRule(rule, () =>
      Promise.all([checkSite("https://blocked.test/", options()), checkSite("https://allowed.test/", options())]));
    // TCP itself connected: the reset came with the ClientHello.
    expect(blocked.tcp[0]?.failure).toBeNull();
    expect(blocked.tls[0]).toMatchObject({ address: server.address, serverName: "blocked.test", failure: "tls_reset" });
    expect(blocked.verdict).toMatchObject({ accessible: false, blocking: "tls", failure: "tls_reset" });
    expect(allowed.tls[0]?.address).toBe(blocked.tls[0]?.address);
    expect(allowed.verdict).toMatchObject({ accessible: true, blocking: null });
  });

  it("calls a reset on the HTTP Host header an HTTP failure while another host on the same address works", async () => {
    expect((await checkSite("http://blocked.test/", options())).verdict.accessible).toBe(true);
    // Case-sensitive, as a DPI box matching a browser's literal bytes: it sees ours because they are Chrome's.
    const rule = ["-p", "tcp", "--dport", "80", "-m", "string", "--string", "Host: blocked.test", "--algo", "bm",
      "-j", "REJECT", "--reject-with", "tcp-reset"];
    const [blocked, allowed] = await withRule(rule, () =>
      Promise.all([checkSite("http://blocked.test/", options()), checkSite("http://allowed.test/", options())]));
    expect(blocked.tcp[0]?.failure).toBeNull();
    expect(blocked.http?.status).toBeNull();
    expect(["http_reset", "http_eof"]).toContain(blocked.http?.failure);
    expect(blocked.verdict).toMatchObject({ accessible: false, blocking: "http-failure", failure: blocked.http?.failure });
    expect(allowed.verdict).toMatchObject({ accessible: true, blocking: null });
    expect(allowed.http?.status).toBe(200);
  });

  it("calls a resolver that lies DNS blocking when the control resolver disagrees", async () => {
    const wrong = await checkSite("https://poisoned.test/", options());
    expect(wrong.dns[0]?.addresses).toEqual([control.address]);
    expect(wrong.controlDns?.addresses).toEqual([server.address]);
    expect(wrong.verdict).toMatchObject({ accessible: false, blocking: "dns", determined: true });

    const nx = await checkSite("https://censored.test/", options());
    expect(nx.dns[0]?.failure).toBe("dns_nxdomain");
    expect(nx.verdict).toEqual({ accessible: false, blocking: "dns", failure: "dns_nxdomain", determined: true });

    // The same names through the control resolver alone: reachable, so the lie was the only obstacle.
    const honest = await checkSite("https://poisoned.test/", options({ resolver: controlResolver }));
    expect(honest.verdict.accessible).toBe(true);
  });

  it("sees throttling: throughput far below the unthrottled run and the TLS handshake slower than an unshaped peer's", async () => {
    // The throttled site's handshake is compared with a handshake made at the same moment, on the same machine,
    // to the same server namespace on a port the shaper leaves alone: a loaded machine slows both alike, so
    // only the shaper's queue tells them apart (an absolute "5× slower than before" once failed at load 17).
    const measure = async () => {
      const download = probeThroughput(
        { url: "https://allowed.test/fixed?bytes=4000000", address: server.address },
        { timeoutSeconds: 5, ca: [pki!.caCert], maxBytes: 4_000_000, maxSeconds: 2 },
      );
      // The handshake is timed while the download is under way, as a user's own traffic fills a link.
      await new Promise((resolve) => setTimeout(resolve, 300));
      const [check, peer] = await Promise.all([
        checkSite("https://allowed.test/", options({ timeoutSeconds: 8 })),
        checkSite(`https://allowed.test:${PEER_PORT}/`, options({ timeoutSeconds: 8 })),
      ]);
      return { check, peer, download: await download };
    };
    const before = await measure();
    // A policer on what the site sends from :443 only: 1 Mbit/s through a 60-packet queue (up to ~0.7 s of
    // waiting; drops beyond). iptables CLASSIFY puts those packets in htb's shaped class directly (no tc filter:
    // cls_fw is missing from some kernels, as netem is); everything else, the peer on :8443 included, goes
    // through the unshaped default class.
    const tc = (args: string[]) => lab!.exec(server, "tc", args);
    const classify = ["POSTROUTING", "-p", "tcp", "--sport", "443", "-j", "CLASSIFY", "--set-class", "1:2"];
    tc(["qdisc", "add", "dev", server.dev, "root", "handle", "1:", "htb", "default", "1"]);
    let during: Awaited<ReturnType<typeof measure>>;
    try {
      tc(["class", "add", "dev", server.dev, "parent", "1:", "classid", "1:1", "htb", "rate", "10gbit", "quantum", "60000"]);
      tc(["class", "add", "dev", server.dev, "parent", "1:", "classid", "1:2", "htb", "rate", "1mbit", "ceil", "1mbit",
        "burst", "1600", "cburst", "1600"]);
      tc(["qdisc", "add", "dev", server.dev, "parent", "1:2", "handle", "2:", "pfifo", "limit", "60"]);
      lab!.iptables(server, ["-t", "mangle", "-A", ...classify]);
      try {
        during = await measure();
      } finally {
        lab!.iptables(server, ["-t", "mangle", "-D", ...classify]);
      }
    } finally {
      tc(["qdisc", "del", "dev", server.dev, "root"]);
    }
    expect(before.download.failure).toBeNull();
    expect(during.download.failure).toBeNull();
    expect(during.check.verdict.accessible).toBe(true); // throttled, not blocked
    expect(during.peer.verdict.accessible).toBe(true);
    const rateBefore = before.download.bytesPerSecond ?? 0;
    const rateDuring = during.download.bytesPerSecond ?? Infinity;
    expect(rateBefore / rateDuring).toBeGreaterThanOrEqual(5);
    // The server's flight waits behind the download in a queue of 30–60 packets (0.36–0.72 s at 1 Mbit/s);
    // the peer's does not. Unshaped, the two differ by scheduling noise only.
    const throttled = during.check.tls[0]?.handshakeTime ?? 0;
    const peer = during.peer.tls[0]?.handshakeTime ?? Infinity;
    expect(throttled - peer).toBeGreaterThanOrEqual(0.15);
    // Before the shaper the same two handshakes are alike: the gap is the shaper's doing.
    const gapBefore = (before.check.tls[0]?.handshakeTime ?? Infinity) - (before.peer.tls[0]?.handshakeTime ?? 0);
    expect(throttled - peer).toBeGreaterThan(gapBefore + 0.1);
  });

  it("says down, not blocked, when the server is stopped and the control could not reach it either", async () => {
    const up = await checkSite("https://down.test/", options());
    expect(up.verdict.accessible).toBe(true);
    await downSite.stop();
    const r = await checkSite("https://down.test/", options({ control: { reachable: false, http: null } }));
    expect(r.tcp[0]?.failure).toBe("tcp_refused");
    expect(r.verdict).toEqual({ accessible: false, blocking: null, failure: "tcp_refused", determined: true });
  });
});
