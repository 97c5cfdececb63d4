// The localAddress option (probes/local-address.ts) on real loopback sockets: every socket of a site check —
// our resolver and the control resolver over UDP and TCP, the TCP connects, the TLS handshakes, the HTTP/1.1
// and HTTP/2 exchanges, a redirect hop's DNS and connection, a throughput download — leaves from the bound
// address, which the servers see as the client's address. Without the option the same check comes from
// 127.0.0.1, so the assertions can tell. A family the measured interface has no address of is unreachable:
// nothing is sent at all.
import http2 from "node:http2";
import { createServer, type AddressInfo, type Server } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBogonMatcher } from "../../probes/bogons.js";
import { probeDns } from "../../probes/dns.js";
import { bindAddressFor, localAddressOf, socketSource } from "../../probes/local-address.js";
import { probeTcp } from "../../probes/tcp.js";
import { probeThroughput } from "../../probes/throughput.js";
import { checkSite } from "../../probes/web.js";
import { makeTestPki, type TestPki } from "../helpers/certs.js";
import { startDnsServer, type TestDnsServer } from "../helpers/dns-server.js";
import { startTestHttpServer, type TestHttpServer } from "../helpers/http-servers.js";

const VIA = "127.0.0.3";
const local = { ipv4: VIA, ipv6: null };
const bogons = createBogonMatcher({ notBogon: ["127.0.0.0/8", "::1/128"] });

let pki: TestPki;
let ours: TestDnsServer;
let control: TestDnsServer;
let site: TestHttpServer;
let plain: TestHttpServer;
let h2: http2.Http2SecureServer;
let h2Port: number;
const h2From: string[] = [];
let v6Listener: Server | null = null;
const v6Connections: string[] = [];

beforeAll(async () => {
  pki = makeTestPki();
  const leaf = pki.leaf(["site.test", "hop.test", "h2.test", "dual.test"]);
  site = await startTestHttpServer({ address: "127.0.0.1", tls: leaf });
  plain = await startTestHttpServer({ address: "127.0.0.1" });
  h2 = http2.createSecureServer({ key: leaf.key, cert: leaf.cert }, (req, res) => {
    h2From.push(req.socket.remoteAddress ?? "");
    res.writeHead(200, { "content-type": "text/html" });
    res.end("<html><head><title>over h2</title></head></html>");
  });
  await new Promise<void>((ok) => h2.listen(0, "127.0.0.1", () => ok()));
  h2Port = (h2.address() as AddressInfo).port;
  ours = await startDnsServer({ rules: {
    "site.test": { A: ["127.0.0.1"] }, "hop.test": { A: ["127.0.0.1"] }, "h2.test": { A: ["127.0.0.1"] },
    "plain.test": { A: ["127.0.0.1"] }, "big.test": { A: ["127.0.0.1"], truncateUdp: true },
    "dual.test": { A: ["127.0.0.1"], AAAA: ["::1"] },
  } });
  control = await startDnsServer({ rules: { "site.test": { A: ["127.0.0.1"] } } });
  // An IPv6 listener on the site's port, to see whether anything reaches it (a machine without ::1 skips that part).
  v6Listener = await new Promise<Server | null>((ok) => {
    const s = createServer((c) => {
      v6Connections.push(c.remoteAddress ?? "");
      c.destroy();
    });
    s.once("error", () => ok(null));
    s.listen(site.port, "::1", () => ok(s));
  });
});
afterAll(async () => {
  await Promise.all([site?.close(), plain?.close(), ours?.close(), control?.close(),
    new Promise<void>((ok) => (h2 ? h2.close(() => ok()) : ok())), new Promise<void>((ok) => (v6Listener ? v6Listener.close(() => ok()) : ok()))]);
  pki?.cleanup();
});

const opts = () => ({ timeoutSeconds: 5, resolver: ours.resolver, controlResolver: control.resolver, ca: [pki.caCert], bogons });
const since = <T>(list: readonly T[], start: number) => list.slice(start);

describe("localAddress: every socket of a check leaves from the bound address", () => {
  it("binds DNS (ours and the control's), TCP, TLS, the HTTP/1.1 GET and a redirect hop", async () => {
    const [q0, c0, r0] = [ours.queries.length, control.queries.length, site.requests.length];
    const to = encodeURIComponent(`https://hop.test:${site.port}/page`);
    const r = await checkSite(`https://site.test:${site.port}/redirect?to=${to}`, { ...opts(), localAddress: local });
    expect(r.verdict.accessible).toBe(true);
    expect(r.http?.hops.map((h) => h.status)).toEqual([302, 200]);
    const queries = since(ours.queries, q0);
    expect(queries.map((q) => q.name)).toEqual(expect.arrayContaining(["site.test", "hop.test"]));
    expect(new Set(queries.map((q) => q.from))).toEqual(new Set([VIA]));
    expect(since(control.queries, c0).length).toBeGreaterThan(0);
    expect(new Set(since(control.queries, c0).map((q) => q.from))).toEqual(new Set([VIA]));
    const requests = since(site.requests, r0);
    expect(requests.map((q) => q.path)).toEqual([`/redirect?to=${to}`, "/page"]);
    expect(new Set(requests.map((q) => q.from))).toEqual(new Set([VIA]));
  });

  it("the same check unbound comes from 127.0.0.1 (so the test above can fail)", async () => {
    const [q0, r0] = [ours.queries.length, site.requests.length];
    const r = await checkSite(`https://site.test:${site.port}/page`, opts());
    expect(r.verdict.accessible).toBe(true);
    expect(new Set(since(ours.queries, q0).map((q) => q.from))).toEqual(new Set(["127.0.0.1"]));
    expect(new Set(since(site.requests, r0).map((q) => q.from))).toEqual(new Set(["127.0.0.1"]));
  });

  it("binds the HTTP/2 exchange", async () => {
    const n0 = h2From.length;
    const r = await checkSite(`https://h2.test:${h2Port}/`, { ...opts(), localAddress: local });
    expect(r.tls[0]?.alpn).toBe("h2");
    expect(r.http?.status).toBe(200);
    expect(since(h2From, n0)).toEqual([VIA]);
  });

  it("binds cleartext HTTP and the DNS retry over TCP after a truncated UDP answer", async () => {
    const [q0, r0] = [ours.queries.length, plain.requests.length];
    const dns = await probeDns("big.test", { timeoutSeconds: 3, resolver: ours.resolver, types: ["A"], localAddress: local });
    expect(dns.transport).toBe("tcp");
    expect(since(ours.queries, q0).map((q) => [q.transport, q.from])).toEqual([["udp", VIA], ["tcp", VIA]]);
    const r = await checkSite(`http://plain.test:${plain.port}/page`, { ...opts(), localAddress: local });
    expect(r.http?.status).toBe(200);
    expect(since(plain.requests, r0).map((q) => q.from)).toEqual([VIA]);
  });

  it("binds a throughput download", async () => {
    const r0 = plain.requests.length;
    const r = await probeThroughput({ url: `http://plain.test:${plain.port}/fixed?bytes=50000`, address: "127.0.0.1" },
      { timeoutSeconds: 3, localAddress: local });
    expect(r.failure).toBeNull();
    expect(r.bytes).toBe(50_000);
    expect(since(plain.requests, r0).map((q) => q.from)).toEqual([VIA]);
  });
});

describe("localAddress: a family without a source address is unreachable, and nothing is sent", () => {
  it("an IPv6 address from an IPv4-only interface: tcp_unreachable, no connection made", async () => {
    const n0 = v6Connections.length;
    const tcp = await probeTcp({ host: "::1", port: site.port }, { timeoutSeconds: 2, localAddress: local });
    expect(tcp.failure).toBe("tcp_unreachable");
    const r = await checkSite(`https://dual.test:${site.port}/page`, { ...opts(), localAddress: local });
    expect(r.tcp.find((t) => t.address === "::1")?.failure).toBe("tcp_unreachable");
    expect(r.verdict.accessible).toBe(true); // the IPv4 address still works
    expect(since(v6Connections, n0)).toEqual([]);
    const unbound = await probeTcp({ host: "::1", port: site.port }, { timeoutSeconds: 2 });
    if (v6Listener) expect(unbound.failure).toBeNull(); // reachable when not tied to the interface
  });

  it("an IPv6 resolver from an IPv4-only interface: dns_error, no query sent", async () => {
    let v6dns: TestDnsServer;
    try {
      v6dns = await startDnsServer({ host: "::1", rules: { "site.test": { A: ["127.0.0.1"] } } });
    } catch {
      return; // no ::1 here: nothing to show
    }
    try {
      const r = await probeDns("site.test", { timeoutSeconds: 2, resolver: v6dns.resolver, localAddress: local });
      expect(r.failure).toBe("dns_error");
      expect(v6dns.queries).toEqual([]);
    } finally {
      await v6dns.close();
    }
  });

  it("a throughput download to an address of a family without a source: tcp_unreachable", async () => {
    const r = await probeThroughput({ url: `http://dual.test:${plain.port}/fixed`, address: "::1" },
      { timeoutSeconds: 2, localAddress: local });
    expect(r.failure).toBe("tcp_unreachable");
  });

  it("refuses the system resolver with a local address: getaddrinfo cannot be bound", async () => {
    await expect(probeDns("site.test", { timeoutSeconds: 1, resolver: "system", localAddress: local })).rejects.toThrow(TypeError);
  });
});

describe("local-address helpers", () => {
  it("picks the source by the destination's family", () => {
    const both = { ipv4: "198.18.1.2", ipv6: "fd00::2" };
    expect(bindAddressFor(both, "198.18.9.9")).toBe("198.18.1.2");
    expect(bindAddressFor(both, "[fd00::9]")).toBe("fd00::2");
    expect(socketSource(undefined, "::1")).toEqual({});
    expect(socketSource({ ipv4: "198.18.1.2", ipv6: null }, "::1")).toBeNull();
    expect(localAddressOf("fd00::2")).toEqual({ ipv4: null, ipv6: "fd00::2" });
    expect(() => localAddressOf("wwan0")).toThrow(TypeError);
  });
});
