// The site-check composer against real loopback servers: a DNS server for the region's resolver, another
// for the control resolver, HTTPS and HTTP servers with certificates from a test CA.
import { createSocket } from "node:dgram";
import http2 from "node:http2";
import { connect, createServer, type AddressInfo, type Server, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createBogonMatcher } from "../../probes/bogons.js";
import { loadFingerprints, parseFingerprints } from "../../probes/blockpage.js";
import { checkSite } from "../../probes/web.js";
import type { CompiledFingerprint } from "../../probes/blockpage.js";
import { makeTestPki, type TestPki } from "../helpers/certs.js";
import { startDnsServer, type TestDnsServer } from "../helpers/dns-server.js";
import { startTestHttpServer, type TestHttpServer } from "../helpers/http-servers.js";
import { finerThanMicroseconds, fractionalNumbers, roundingSlack } from "../helpers/timings.js";

let pki: TestPki;
let ours: TestDnsServer;
let control: TestDnsServer;
let site: TestHttpServer;
let plain: TestHttpServer;
let fingerprints: CompiledFingerprint[];
// Loopback is a bogon; this lab's sites live there.
const bogons = createBogonMatcher({ notBogon: ["127.0.0.0/8"] });

beforeAll(async () => {
  pki = makeTestPki();
  site = await startTestHttpServer({ address: "127.0.0.1", tls: pki.leaf(["site.test", "cdn.test", "dual.test", "xn--d1acufc.xn--p1ai", "two.test", "hop.test", "mixed.test", "reset.test"]) });
  plain = await startTestHttpServer({ address: "127.0.0.4", port: site.port });
  ours = await startDnsServer();
  control = await startDnsServer();
  fingerprints = await loadFingerprints();
});
afterAll(async () => {
  await Promise.all([site.close(), plain.close(), ours.close(), control.close()]);
  pki.cleanup();
});

const opts = () => ({ timeoutSeconds: 3, resolver: ours.resolver, ca: [pki.caCert], bogons, fingerprints });

describe("checkSite", () => {
  it("finds a working HTTPS site accessible, with every layer measured", async () => {
    ours.set("site.test", { A: ["127.0.0.1"] });
    control.set("site.test", { A: ["127.0.0.1"] });
    const r = await checkSite(`https://site.test:${site.port}/`, { ...opts(), controlResolver: control.resolver });
    expect(r.verdict).toEqual({ accessible: true, blocking: null, failure: null, determined: true });
    expect(r.dns[0]?.addresses).toEqual(["127.0.0.1"]);
    expect(r.tcp[0]?.failure).toBeNull();
    expect(r.tls[0]?.handshakeTime).toBeGreaterThan(0);
    expect(r.http?.status).toBe(200);
    expect(site.requests.at(-1)?.servername).toBe("site.test");
    // Every timing (both resolvers, connect, handshake, each phase, the totals) to the microsecond.
    expect(finerThanMicroseconds(r)).toEqual([]);
    expect(fractionalNumbers(r)).toBeGreaterThanOrEqual(10);
  });

  it("does not wait for a control resolver that never answers before connecting (a censored or dark control)", async () => {
    const silent = createSocket("udp4"); // receives queries, answers none
    await new Promise<void>((resolve) => silent.bind(0, "127.0.0.1", resolve));
    try {
      ours.set("site.test", { A: ["127.0.0.1"] });
      const r = await checkSite(`https://site.test:${site.port}/`, { ...opts(), controlResolver: `127.0.0.1:${silent.address().port}` });
      // The dead control ran out the deadline; our own connection and GET had it all the same.
      expect(r.controlDns?.failure).toBe("dns_timeout");
      expect(r.tcp[0]?.failure).toBeNull();
      expect(r.http?.status).toBe(200);
      expect(r.verdict).toEqual({ accessible: true, blocking: null, failure: null, determined: true });
    } finally {
      silent.close();
    }
  });

  it("calls a lie DNS blocking when the control resolver disagrees and no certificate vouches for our answer", async () => {
    ours.set("lie.test", { A: ["127.0.0.9"] }); // nothing listens there
    control.set("lie.test", { A: ["127.0.0.1"] });
    const r = await checkSite(`https://lie.test:${site.port}/`, { ...opts(), controlResolver: control.resolver });
    expect(r.verdict.accessible).toBe(false);
    expect(r.verdict.blocking).toBe("dns");
    expect(r.controlDns?.addresses).toEqual(["127.0.0.1"]);
  });

  it("accepts another address from a CDN when a valid certificate for the name proves it", async () => {
    ours.set("cdn.test", { A: ["127.0.0.1"] });
    control.set("cdn.test", { A: ["127.0.0.77"] });
    const r = await checkSite(`https://cdn.test:${site.port}/`, { ...opts(), controlResolver: control.resolver });
    expect(r.verdict).toMatchObject({ accessible: true, blocking: null });
  });

  it("says down, not blocked, when the name fails at the control resolver too", async () => {
    ours.set("gone.test", { rcode: "NXDOMAIN" });
    control.set("gone.test", { rcode: "NXDOMAIN" });
    const r = await checkSite("https://gone.test/", { ...opts(), controlResolver: control.resolver });
    expect(r.verdict).toEqual({ accessible: false, blocking: null, failure: "dns_nxdomain", determined: true });
  });

  it("calls NXDOMAIN DNS blocking when the control resolves the name", async () => {
    ours.set("nx.test", { rcode: "NXDOMAIN" });
    control.set("nx.test", { A: ["127.0.0.1"] });
    const r = await checkSite("https://nx.test/", { ...opts(), controlResolver: control.resolver });
    expect(r.verdict).toMatchObject({ accessible: false, blocking: "dns", failure: "dns_nxdomain" });
  });

  it("treats a bogon answer as a DNS lie even without a control resolver", async () => {
    ours.set("bogon.test", { A: ["10.10.34.35"] });
    const r = await checkSite("https://bogon.test/", { ...opts(), bogons: createBogonMatcher(), timeoutSeconds: 1 });
    expect(r.dns[0]?.failure).toBe("dns_bogon");
    expect(r.verdict).toMatchObject({ accessible: false, blocking: "dns" });
  });

  it("keeps the TLS layer but leaves the verdict undetermined without a control observation", async () => {
    ours.set("wronghost.test", { A: ["127.0.0.1"] });
    const r = await checkSite(`https://wronghost.test:${site.port}/`, opts());
    expect(r.verdict).toEqual({ accessible: false, blocking: "tls", failure: "tls_cert_hostname", determined: false });
  });

  it("says down when the control vantage could not reach the site either", async () => {
    ours.set("closed.test", { A: ["127.0.0.1"] });
    const r = await checkSite("https://closed.test:1/", { ...opts(), control: { reachable: false, http: null } });
    expect(r.tcp[0]?.failure).toBe("tcp_refused");
    expect(r.verdict).toEqual({ accessible: false, blocking: null, failure: "tcp_refused", determined: true });
  });

  it("calls a refused connection TCP blocking when the control vantage reached the site", async () => {
    ours.set("closed.test", { A: ["127.0.0.1"] });
    const r = await checkSite("https://closed.test:1/", { ...opts(), control: { reachable: true, http: null } });
    expect(r.verdict).toEqual({ accessible: false, blocking: "tcp", failure: "tcp_refused", determined: true });
  });

  it("recognises a block page by its fingerprint", async () => {
    ours.set("media.test", { A: ["127.0.0.4"] });
    const r = await checkSite(`http://media.test:${plain.port}/blockpage`, opts());
    expect(r.verdict.blocking).toBe("http-diff");
    expect(r.verdict.failure).toMatch(/^http_blockpage:/);
  });

  it("calls an answer pointing at a known block-page server DNS blocking", async () => {
    const lab = parseFingerprints([
      "fingerprints:",
      "  - id: lab-dns-notice",
      "    country: KZ",
      "    source: https://example.org/lab",
      "    date: 2026-11-22",
      '    addresses: ["127.0.0.66"]',
    ].join("\n"), "lab.yaml");
    ours.set("messenger.test", { A: ["127.0.0.66"] });
    const r = await checkSite("https://messenger.test:1/", { ...opts(), fingerprints: [...fingerprints, ...lab] });
    expect(r.verdict).toMatchObject({ accessible: false, blocking: "dns", failure: "dns_blockpage:lab-dns-notice" });
  });

  it("finds a cleartext page that differs from the control's an http-diff", async () => {
    ours.set("news.test", { A: ["127.0.0.4"] });
    const control = { reachable: true, http: { status: 200, bodyLength: 40_000, title: "Independent news front page" } };
    const r = await checkSite(`http://news.test:${plain.port}/page`, { ...opts(), control });
    expect(r.verdict).toMatchObject({ accessible: false, blocking: "http-diff", failure: "http_diff" });
    const same = { reachable: true, http: { status: 200, bodyLength: r.http!.hops[0]!.bodyLength, title: null } };
    const r2 = await checkSite(`http://news.test:${plain.port}/page`, { ...opts(), control: same });
    expect(r2.verdict.accessible).toBe(true);
  });

  it("encodes IDN names for DNS, SNI and Host", async () => {
    ours.set("xn--d1acufc.xn--p1ai", { A: ["127.0.0.1"] });
    const r = await checkSite(`https://домен.рф:${site.port}/`, opts());
    expect(r.dns[0]?.query).toBe("xn--d1acufc.xn--p1ai");
    expect(r.verdict.accessible).toBe(true);
    expect(site.requests.at(-1)?.servername).toBe("xn--d1acufc.xn--p1ai");
  });

  it("measures IPv6 addresses when the name has them", async () => {
    ours.set("dual.test", { A: ["127.0.0.1"], AAAA: ["::1"] });
    const r = await checkSite(`https://dual.test:${site.port}/`, { ...opts(), bogons: createBogonMatcher({ notBogon: ["127.0.0.0/8", "::1/128"] }) });
    expect(r.tcp.map((t) => t.address)).toEqual(["127.0.0.1", "::1"]);
    expect(r.verdict, JSON.stringify(r, null, 1)).toMatchObject({ accessible: true });
  });
});

/**
 * A TCP relay on `address:port` to `to`, counting the connections made to it: one relay per address lets a
 * test see how many connections a check opened to each address. `onHello` instead plays a censor on the
 * first bytes (the ClientHello or the request).
 */
async function relay(address: string, port: number, to: { address: string; port: number }, onHello?: (s: Socket) => void) {
  const open = new Set<Socket>();
  let connections = 0;
  const server: Server = createServer((client) => {
    connections++;
    open.add(client);
    client.on("close", () => open.delete(client));
    client.on("error", () => undefined);
    if (onHello) {
      client.once("data", () => onHello(client));
      return;
    }
    const upstream = connect(to.port, to.address);
    upstream.on("error", () => client.destroy());
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, address, () => resolve());
  });
  return {
    get connections() { return connections; },
    /** Connections still open (the client has not closed them yet). */
    get open() { return open.size; },
    close: () => new Promise<void>((resolve) => {
      for (const s of open) s.destroy();
      server.close(() => resolve());
    }),
  };
}

describe("checkSite: one connection per address (OONI LTE)", () => {
  it("measures TCP and TLS on one connection per address and fetches over the first address's", async () => {
    const first = await relay("127.0.0.5", site.port, site);
    const second = await relay("127.0.0.6", site.port, site);
    try {
      ours.set("two.test", { A: ["127.0.0.5", "127.0.0.6"] });
      const before = site.requests.length;
      const r = await checkSite(`https://two.test:${site.port}/`, opts());
      expect(r.verdict.accessible).toBe(true);
      expect([first.connections, second.connections]).toEqual([1, 1]);
      expect(site.requests.length - before).toBe(1);
      expect(r.tcp.map((t) => [t.address, t.failure])).toEqual([["127.0.0.5", null], ["127.0.0.6", null]]);
      expect(r.tls.map((t) => [t.address, t.failure])).toEqual([["127.0.0.5", null], ["127.0.0.6", null]]);
      const hop = r.http!.hops[0]!;
      expect(hop.address).toBe("127.0.0.5");
      // The hop's handshakes are the ones the TCP and TLS results measured, not a second connection's.
      expect(hop.phases.connect).toBe(r.tcp[0]!.connectTime);
      expect(hop.phases.tls).toBe(r.tls[0]!.handshakeTime);
      expect(hop.phases.connect! + hop.phases.tls! + hop.phases.firstByte! + hop.phases.download!)
        .toBeLessThanOrEqual(hop.phases.total + roundingSlack(5));
      // Nothing is left open once the check is over.
      await vi.waitFor(() => expect([first.open, second.open]).toEqual([0, 0]));
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
  });

  it("fetches a cleartext page over the TCP connection it measured", async () => {
    const first = await relay("127.0.0.5", plain.port, plain);
    const second = await relay("127.0.0.6", plain.port, plain);
    try {
      ours.set("two-plain.test", { A: ["127.0.0.5", "127.0.0.6"] });
      const r = await checkSite(`http://two-plain.test:${plain.port}/page`, opts());
      expect(r.verdict.accessible).toBe(true);
      expect([first.connections, second.connections]).toEqual([1, 1]);
      expect(r.tls).toEqual([]);
      expect(r.http!.hops[0]!.phases.connect).toBe(r.tcp[0]!.connectTime);
      expect(r.http!.hops[0]!.phases.tls).toBeNull();
      await vi.waitFor(() => expect([first.open, second.open]).toEqual([0, 0]));
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
  });

  it("follows a redirect on a fresh connection", async () => {
    const only = await relay("127.0.0.5", site.port, site);
    try {
      ours.set("hop.test", { A: ["127.0.0.5"] });
      const r = await checkSite(`https://hop.test:${site.port}/chain/1`, opts());
      expect(r.http?.hops.map((h) => h.status)).toEqual([302, 200]);
      expect(only.connections).toBe(2); // the measured one (first hop), then one for the redirect
      const [firstHop, secondHop] = r.http!.hops;
      expect(firstHop!.phases.tls).toBe(r.tls[0]!.handshakeTime);
      expect(secondHop!.phases.tls).not.toBe(r.tls[0]!.handshakeTime);
    } finally {
      await only.close();
    }
  });

  it("keeps every failure class: a refused and a reset address, then a fetch from the one that worked", async () => {
    const reset = await relay("127.0.0.6", site.port, site, (s) => s.resetAndDestroy());
    const good = await relay("127.0.0.8", site.port, site);
    try {
      // 127.0.0.7: nothing listens. Three IPv4 answers, all measured.
      ours.set("mixed.test", { A: ["127.0.0.7", "127.0.0.6", "127.0.0.8"] });
      const r = await checkSite(`https://mixed.test:${site.port}/`, { ...opts(), maxAddressesPerFamily: 3 });
      expect(r.tcp.map((t) => t.failure)).toEqual(["tcp_refused", null, null]);
      expect(r.tcp[0]!.connectTime).toBeNull();
      expect(r.tcp[1]!.connectTime).not.toBeNull();
      expect(r.tls.map((t) => t.failure)).toEqual(["tls_error", "tls_reset", null]);
      expect(r.http?.hops[0]?.address).toBe("127.0.0.8");
      expect([reset.connections, good.connections]).toEqual([1, 1]);
      expect(r.verdict.accessible).toBe(true);
    } finally {
      await Promise.all([reset.close(), good.close()]);
    }
  });

  it("calls a reset on every address TLS blocking, with the TCP result of the same connections", async () => {
    const reset = await relay("127.0.0.6", site.port, site, (s) => s.resetAndDestroy());
    try {
      ours.set("reset.test", { A: ["127.0.0.6"] });
      const r = await checkSite(`https://reset.test:${site.port}/`, { ...opts(), control: { reachable: true, http: null } });
      expect(reset.connections).toBe(1);
      expect(r.tcp[0]?.failure).toBeNull();
      expect(r.tls[0]?.failure).toBe("tls_reset");
      expect(r.http).toBeNull();
      expect(r.verdict).toEqual({ accessible: false, blocking: "tls", failure: "tls_reset", determined: true });
    } finally {
      await reset.close();
    }
  });

  it("fetches over HTTP/2 when the handshake negotiated h2, still on the one connection", async () => {
    const leaf = pki.leaf(["h2.test"]);
    let connections = 0;
    const server = http2.createSecureServer({ key: leaf.key, cert: leaf.cert, allowHTTP1: true }, (req, res) => {
      res.writeHead(200, { "content-type": "text/html" });
      res.end(`<title>over ${req.httpVersion}</title>`);
    });
    server.on("connection", () => connections++);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.9", () => resolve()));
    try {
      ours.set("h2.test", { A: ["127.0.0.9"] });
      const r = await checkSite(`https://h2.test:${(server.address() as AddressInfo).port}/`, opts());
      expect(r.tls[0]?.alpn).toBe("h2");
      expect(r.http?.hops[0]?.title).toBe("over 2.0");
      expect(r.verdict.accessible).toBe(true);
      expect(connections).toBe(1);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe("checkSite: the misses of issue #7", () => {
  const loopbackIsBogon = createBogonMatcher(); // the OONI list as shipped: 127.0.0.0/8 is a bogon
  const withControl = () => ({ ...opts(), controlResolver: control.resolver });
  const rawServers: Server[] = [];
  /** A TCP server on `address` that counts connections and does `onData` to what arrives (a ClientHello). */
  const rawServer = async (address: string, onData: (s: Socket) => void) => {
    const server = createServer((s) => {
      accepted.count++;
      s.on("error", () => undefined);
      s.once("data", () => onData(s));
    });
    const accepted = { count: 0, port: 0 };
    rawServers.push(server);
    await new Promise<void>((resolve) => server.listen(0, address, () => resolve()));
    accepted.port = (server.address() as AddressInfo).port;
    return accepted;
  };
  afterAll(() => {
    for (const s of rawServers) s.close();
  });
  const redirectTo = (url: string) => `http://start.test:${plain.port}/redirect?to=${encodeURIComponent(url)}`;

  it("ghost DNS over http: the control says NXDOMAIN, ours gives the censor's page — dns, though the page loaded", async () => {
    ours.set("ghost.test", { A: ["127.0.0.4"] });
    control.set("ghost.test", { rcode: "NXDOMAIN" });
    const r = await checkSite(`http://ghost.test:${plain.port}/page`, withControl());
    expect(r.http?.status).toBe(200);
    expect(r.verdict).toEqual({ accessible: false, blocking: "dns", failure: "dns_inconsistent", determined: true });
  });

  it("ghost DNS over https where the block-page host has no :443 — dns, with the TCP failure named", async () => {
    ours.set("ghost.test", { A: ["127.0.0.5"] }); // nothing listens there
    control.set("ghost.test", { rcode: "NXDOMAIN" });
    const r = await checkSite(`https://ghost.test:${site.port}/`, withControl());
    expect(r.verdict).toEqual({ accessible: false, blocking: "dns", failure: "tcp_refused", determined: true });
  });

  it("is not ghost DNS when a valid certificate for the name vouches for our answer, nor when the control only timed out", async () => {
    ours.set("site.test", { A: ["127.0.0.1"] });
    control.set("site.test", { rcode: "NXDOMAIN" });
    const https = await checkSite(`https://site.test:${site.port}/`, withControl());
    expect(https.verdict).toMatchObject({ accessible: true, blocking: null });
    ours.set("flaky.test", { A: ["127.0.0.4"] });
    control.set("flaky.test", { rcode: "SERVFAIL" });
    const servfail = await checkSite(`http://flaky.test:${plain.port}/page`, withControl());
    expect(servfail.verdict).toMatchObject({ accessible: true, blocking: null });
  });

  it("a redirect target NXDOMAIN-ed by our resolver while the control resolves it is dns", async () => {
    ours.set("start.test", { A: ["127.0.0.4"] });
    control.set("start.test", { A: ["127.0.0.4"] });
    ours.set("target.test", { rcode: "NXDOMAIN" });
    control.set("target.test", { A: ["127.0.0.4"] });
    const r = await checkSite(redirectTo(`http://target.test:${plain.port}/page`), withControl());
    expect(r.verdict).toEqual({ accessible: false, blocking: "dns", failure: "dns_nxdomain", determined: true });
    expect(r.dns.map((d) => d.query)).toEqual(["start.test", "target.test"]); // the hop's answer is reported
    expect(r.http?.hops[1]).toMatchObject({ address: null, failure: "dns_nxdomain" });
  });

  it("a redirect target gone for the control too is down; without a control resolver it is dns, undetermined", async () => {
    ours.set("start.test", { A: ["127.0.0.4"] });
    control.set("start.test", { A: ["127.0.0.4"] });
    ours.set("target.test", { rcode: "NXDOMAIN" });
    control.set("target.test", { rcode: "NXDOMAIN" });
    const down = await checkSite(redirectTo(`http://target.test:${plain.port}/page`), withControl());
    expect(down.verdict).toEqual({ accessible: false, blocking: null, failure: "dns_nxdomain", determined: true });
    const alone = await checkSite(redirectTo(`http://target.test:${plain.port}/page`), opts());
    expect(alone.verdict).toEqual({ accessible: false, blocking: "dns", failure: "dns_nxdomain", determined: false });
  });

  it("both resolvers answer loopback (a misconfigured site): down, and nothing connects to loopback", async () => {
    const local = await rawServer("127.0.0.1", (s) => s.end("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"));
    ours.set("local.test", { A: ["127.0.0.1"] });
    control.set("local.test", { A: ["127.0.0.1"] });
    for (const scheme of ["http", "https"]) {
      const r = await checkSite(`${scheme}://local.test:${local.port}/`, { ...withControl(), bogons: loopbackIsBogon });
      expect(r.verdict).toEqual({ accessible: false, blocking: null, failure: "dns_bogon", determined: true });
      expect(r.tcp).toEqual([]);
      expect(r.http).toBeNull();
    }
    expect(local.count).toBe(0);
  });

  it("both resolvers give the same private bogon: down, not connected to", async () => {
    ours.set("private.test", { A: ["10.1.2.3"] });
    control.set("private.test", { A: ["10.1.2.3"] });
    const r = await checkSite("https://private.test/", { ...withControl(), bogons: loopbackIsBogon });
    expect(r.verdict).toEqual({ accessible: false, blocking: null, failure: "dns_bogon", determined: true });
    expect(r.tcp).toEqual([]);
  });

  it("DNS hijacked to loopback while the control has the real address: dns, and nothing connects to loopback", async () => {
    const local = await rawServer("127.0.0.1", (s) => s.destroy());
    ours.set("hijack.test", { A: ["127.0.0.1"] });
    control.set("hijack.test", { A: ["93.184.216.34"] }); // only an answer: nothing is sent there
    const r = await checkSite(`https://hijack.test:${local.port}/`, { ...withControl(), bogons: loopbackIsBogon });
    expect(r.verdict).toEqual({ accessible: false, blocking: "dns", failure: "dns_bogon", determined: true });
    expect(local.count).toBe(0);
  });

  it("one deadline bounds the check: a redirect hop whose ClientHello is blackholed ends at the timeout as tls_timeout", async () => {
    const blackhole = await rawServer("127.0.0.6", () => undefined);
    ours.set("start.test", { A: ["127.0.0.4"] });
    ours.set("black.test", { A: ["127.0.0.6"] });
    const r = await checkSite(redirectTo(`https://black.test:${blackhole.port}/`), { ...opts(), timeoutSeconds: 1.5 });
    expect(r.verdict).toEqual({ accessible: false, blocking: "tls", failure: "tls_timeout", determined: false });
    expect(r.time).toBeLessThan(4); // 1.5 s for everything, not 1.5 s per step
  });

  it("a redirect hop fails with the first connection's names: tcp_refused, tls_reset, tls_eof, each with its layer", async () => {
    ours.set("start.test", { A: ["127.0.0.4"] });
    ours.set("refused.test", { A: ["127.0.0.5"] });
    const refused = await checkSite(redirectTo("http://refused.test:9/"), opts());
    expect(refused.verdict).toEqual({ accessible: false, blocking: "tcp", failure: "tcp_refused", determined: false });
    const reset = await rawServer("127.0.0.6", (s) => s.resetAndDestroy());
    const fin = await rawServer("127.0.0.6", (s) => s.end());
    ours.set("sni.test", { A: ["127.0.0.6"] });
    const r1 = await checkSite(redirectTo(`https://sni.test:${reset.port}/`), opts());
    expect(r1.verdict).toMatchObject({ blocking: "tls", failure: "tls_reset" });
    const r2 = await checkSite(redirectTo(`https://sni.test:${fin.port}/`), opts());
    expect(r2.verdict).toMatchObject({ blocking: "tls", failure: "tls_eof" });
  });
});

describe("checkSite: a site that redirects past ten hops", () => {
  it("is down, as OONI's QA says, not a failure of the path", async () => {
    ours.set("loop.test", { A: ["127.0.0.4"] });
    control.set("loop.test", { A: ["127.0.0.4"] });
    const r = await checkSite(`http://loop.test:${plain.port}/chain/11`, { ...opts(), controlResolver: control.resolver });
    expect(r.http?.failure).toBe("http_too_many_redirects");
    expect(r.verdict).toEqual({ accessible: false, blocking: null, failure: "http_too_many_redirects", determined: true });
  });
});
