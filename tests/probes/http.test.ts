// probeHttp against real loopback servers: every failure class, redirects hop by hop, the redirect cap,
// the body cap, the pinned address, Host/SNI (IDN punycoded), a private CA, and block pages.
import http2 from "node:http2";
import net, { type AddressInfo, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadFingerprints } from "../../probes/blockpage.js";
import type { CompiledFingerprint } from "../../probes/blockpage.js";
import { durationSeconds } from "../../probes/duration.js";
import { DEFAULT_MAX_BODY_BYTES, probeHttp } from "../../probes/http.js";
import { connectTcp, type HeldConnection } from "../../probes/tcp.js";
import { handshakeTls } from "../../probes/tls.js";
import { httpResultSchema } from "../../probes/types.js";
import type { HttpResult } from "../../probes/types.js";
import { makeTestPki } from "../helpers/certs.js";
import type { TestPki } from "../helpers/certs.js";
import { HUGE_BODY_BYTES, PAGE_TITLE, startTestHttpServer } from "../helpers/http-servers.js";
import type { TestHttpServer } from "../helpers/http-servers.js";
import { finerThanMicroseconds, fractionalNumbers, roundingSlack } from "../helpers/timings.js";

const IDN_HOST = "яндекс.рф";
const IDN_PUNY = "xn--d1acpjx3f.xn--p1ai";

let pki: TestPki;
let plain: TestHttpServer; // http on 127.0.0.2
let decoy: TestHttpServer; // http on 127.0.0.1, same port: proves the pin
let secure: TestHttpServer; // https on 127.0.0.3 for secure.test and the IDN host
let fingerprints: CompiledFingerprint[];

beforeAll(async () => {
  pki = makeTestPki();
  plain = await startTestHttpServer({ address: "127.0.0.2", name: "pinned" });
  decoy = await startTestHttpServer({ address: "127.0.0.1", port: plain.port, name: "decoy" });
  secure = await startTestHttpServer({ address: "127.0.0.3", tls: pki.leaf(["secure.test", IDN_PUNY]), name: "secure" });
  fingerprints = await loadFingerprints();
});

afterAll(async () => {
  await Promise.all([plain?.close(), decoy?.close(), secure?.close()]);
  pki?.cleanup();
});

const at = (path: string) => `http://site.test:${plain.port}${path}`;
const get = (path: string, extra: Partial<Parameters<typeof probeHttp>[1]> = {}) =>
  probeHttp({ url: at(path), address: "127.0.0.2" }, { timeoutSeconds: 2, ...extra });

function valid(r: HttpResult): HttpResult {
  return httpResultSchema.parse(r); // every result must satisfy the public schema
}

describe("probeHttp: a normal page", () => {
  it("returns status, selected headers, body hash, decoded title and measured phases", async () => {
    const r = valid(await get("/page"));
    expect(r.failure).toBeNull();
    expect(r.status).toBe(200);
    expect(r.hops).toHaveLength(1);
    const hop = r.hops[0]!;
    expect(hop.address).toBe("127.0.0.2");
    expect(hop.title).toBe(PAGE_TITLE);
    expect(hop.headers).toMatchObject({ server: "kw-test", "x-cache": "MISS", "content-type": "text/html; charset=utf-8" });
    expect(hop.headers["date"]).toBeUndefined(); // only the selected headers are kept
    expect(hop.bodyLength).toBe(Number(hop.headers["content-length"]));
    expect(hop.bodySha256).toMatch(/^[0-9a-f]{64}$/);
    expect(hop.bodyTruncated).toBe(false);
    const p = hop.phases;
    expect(p.dns).toBeNull();
    expect(p.tls).toBeNull(); // plain http
    expect(p.connect).not.toBeNull();
    expect(p.firstByte).not.toBeNull();
    expect(p.download).not.toBeNull();
    // The phases are slices of the hop, so they cannot add up to more than its total.
    expect(p.connect! + p.firstByte! + p.download!).toBeLessThanOrEqual(p.total + roundingSlack(4));
  });

  it("decodes a windows-1251 title declared in Content-Type, entities included", async () => {
    const r = valid(await get("/cp1251"));
    expect(r.hops[0]!.title).toBe("Доступ ограничен & co");
  });
});

describe("probeHttp: the pinned address", () => {
  it("connects to the given address, not to what the name or another address would give", async () => {
    const viaPin = valid(await get("/echo"));
    expect(viaPin.failure).toBeNull();
    expect(plain.requests.some((q) => q.path === "/echo")).toBe(true);
    expect(decoy.requests.some((q) => q.path === "/echo")).toBe(false);
    const viaDecoy = valid(await probeHttp({ url: at("/echo"), address: "127.0.0.1" }, { timeoutSeconds: 2 }));
    expect(viaDecoy.failure).toBeNull();
    expect(decoy.requests.some((q) => q.path === "/echo")).toBe(true);
    expect(viaPin.hops[0]!.bodySha256).not.toBe(viaDecoy.hops[0]!.bodySha256); // the two servers answer differently
  });

  it("sends the URL's name in Host, not the address", async () => {
    await get("/echo?host-check");
    const req = plain.requests.find((q) => q.path === "/echo?host-check");
    expect(req?.host).toBe(`site.test:${plain.port}`);
  });
});

describe("probeHttp: https", () => {
  it("puts the name in SNI and Host, verifies against a custom CA, and times TLS", async () => {
    const r = valid(await probeHttp({ url: `https://secure.test:${secure.port}/echo?sni`, address: "127.0.0.3" }, { timeoutSeconds: 2, ca: pki.caCert }));
    expect(r.failure).toBeNull();
    expect(r.status).toBe(200);
    const req = secure.requests.find((q) => q.path === "/echo?sni");
    expect(req).toMatchObject({ servername: "secure.test", host: `secure.test:${secure.port}` });
    const p = r.hops[0]!.phases;
    expect(p.tls).not.toBeNull();
    expect(p.connect! + p.tls! + p.firstByte! + p.download!).toBeLessThanOrEqual(p.total + roundingSlack(5));
    // Every phase and the total to the microsecond: no float noise reaches storage.
    expect(finerThanMicroseconds(r)).toEqual([]);
    expect(fractionalNumbers(r)).toBeGreaterThanOrEqual(4);
  });

  it("fails with tls_cert_untrusted, as the TLS prober names it, when the certificate is not trusted", async () => {
    const r = valid(await probeHttp({ url: `https://secure.test:${secure.port}/page`, address: "127.0.0.3" }, { timeoutSeconds: 2 }));
    expect(r.failure).toBe("tls_cert_untrusted");
    expect(r.status).toBeNull();
    expect(r.hops[0]!.phases.connect).not.toBeNull(); // TCP got through; TLS is where it failed
    expect(r.hops[0]!.phases.tls).toBeNull();
  });

  it("sends an IDN host punycoded in Host and SNI", async () => {
    const r = valid(await probeHttp({ url: `https://${IDN_HOST}:${secure.port}/echo?idn`, address: "127.0.0.3" }, { timeoutSeconds: 2, ca: pki.caCert }));
    expect(r.failure).toBeNull();
    const req = secure.requests.find((q) => q.path === "/echo?idn");
    expect(req).toMatchObject({ servername: IDN_PUNY, host: `${IDN_PUNY}:${secure.port}` });
    expect(r.finalUrl).toBe(`https://${IDN_PUNY}:${secure.port}/echo?idn`);
  });
});

describe("probeHttp: failure classes", () => {
  it("http_reset: RST in the middle of the body", async () => {
    const r = valid(await get("/reset"));
    expect(r.failure).toBe("http_reset");
    expect(r.status).toBe(200); // headers arrived before the reset
    expect(r.hops[0]!.bodyLength).toBeGreaterThan(0);
  });

  it("http_reset: RST before any response", async () => {
    const r = valid(await get("/reset-before-headers"));
    expect(r.failure).toBe("http_reset");
    expect(r.status).toBeNull();
    expect(r.hops[0]!.bodySha256).toBeNull();
  });

  it("http_eof: clean close before the promised body was complete", async () => {
    const r = valid(await get("/eof"));
    expect(r.failure).toBe("http_eof");
    expect(r.status).toBe(200);
  });

  it("http_eof: clean close before any response", async () => {
    const r = valid(await get("/eof-before-headers"));
    expect(r.failure).toBe("http_eof");
    expect(r.status).toBeNull();
  });

  it("http_timeout: the server never answers", async () => {
    const r = valid(await get("/stall", { timeoutSeconds: 0.3 }));
    expect(r.failure).toBe("http_timeout");
    expect(r.hops[0]!.phases.connect).not.toBeNull();
    expect(r.hops[0]!.phases.firstByte).toBeNull();
  });

  it("tcp_refused: nothing listens at the address (the TCP prober's name)", async () => {
    const r = valid(await probeHttp({ url: at("/page"), address: "127.0.0.4" }, { timeoutSeconds: 2 }));
    expect(r.failure).toBe("tcp_refused");
    expect(r.hops[0]!.phases.connect).toBeNull();
  });

  it("rejects only for a bad argument", async () => {
    await expect(probeHttp({ url: "ftp://x/", address: "127.0.0.2" }, { timeoutSeconds: 1 })).rejects.toThrow(/scheme/);
  });
});

describe("probeHttp: redirects", () => {
  it("follows a chain by hand, measuring each hop on its own connection", async () => {
    const r = valid(await get("/chain/3"));
    expect(r.failure).toBeNull();
    expect(r.hops.map((h) => h.status)).toEqual([302, 302, 302, 200]);
    expect(r.hops.map((h) => new URL(h.url).pathname)).toEqual(["/chain/3", "/chain/2", "/chain/1", "/chain/0"]);
    expect(r.hops[0]!.headers["location"]).toBe("/chain/2");
    for (const hop of r.hops) expect(hop.phases.connect).not.toBeNull(); // a fresh TCP handshake per hop
    expect(r.finalUrl).toBe(at("/chain/0"));
    expect(r.hops[3]!.title).toBe(PAGE_TITLE);
  });

  it("follows 10 redirects and refuses the 11th", async () => {
    const ten = valid(await get("/chain/10"));
    expect(ten.failure).toBeNull();
    expect(ten.hops).toHaveLength(11);
    const eleven = valid(await get("/chain/11"));
    expect(eleven.failure).toBe("http_too_many_redirects");
    expect(eleven.hops).toHaveLength(11);
  });

  it("detects a loop without walking it ten times", async () => {
    const r = valid(await get("/loop/a"));
    expect(r.failure).toBe("http_too_many_redirects");
    expect(r.hops).toHaveLength(2);
  });

  it("without a resolver, a redirect to another host ends in http_error with no address", async () => {
    const r = valid(await get(`/redirect?to=${encodeURIComponent(`http://elsewhere.test:${plain.port}/page`)}`));
    expect(r.failure).toBe("http_error");
    expect(r.hops).toHaveLength(2);
    expect(r.hops[1]).toMatchObject({ address: null, status: null, failure: "http_error" });
  });

  it("asks the resolver for another host's address", async () => {
    const asked: string[] = [];
    const resolve = async (host: string) => {
      asked.push(host);
      return "127.0.0.2";
    };
    const r = valid(await get(`/redirect?to=${encodeURIComponent(`http://elsewhere.test:${plain.port}/page`)}`, { resolve }));
    expect(asked).toEqual(["elsewhere.test"]);
    expect(r.failure).toBeNull();
    expect(r.hops[1]).toMatchObject({ address: "127.0.0.2", status: 200, title: PAGE_TITLE });
  });

  it("connects straight to an IP literal in Location", async () => {
    const r = valid(await get(`/redirect?to=${encodeURIComponent(`http://127.0.0.1:${plain.port}/whoami`)}`));
    expect(r.failure).toBeNull();
    expect(r.hops[1]!.address).toBe("127.0.0.1");
  });
});

describe("probeHttp: body cap", () => {
  it("reads at most 512 KiB, hashes what it read and says it was truncated", async () => {
    const r = valid(await get("/huge"));
    expect(r.failure).toBeNull();
    const hop = r.hops[0]!;
    expect(hop.headers["content-length"]).toBe(String(HUGE_BODY_BYTES));
    expect(hop.bodyLength).toBe(DEFAULT_MAX_BODY_BYTES);
    expect(hop.bodyTruncated).toBe(true);
    expect(hop.title).toBe("Huge");
  });

  it("honours a smaller cap", async () => {
    const r = valid(await get("/page", { maxBodyBytes: 10 }));
    expect(r.hops[0]).toMatchObject({ bodyLength: 10, bodyTruncated: true });
  });
});

describe("probeHttp: block pages", () => {
  it("recognises the Roskomnadzor notice by its body text", async () => {
    const r = valid(await get("/blockpage", { fingerprints }));
    expect(r.blockPage).toEqual({ id: "ru-rkn-federal-laws-notice", country: "RU", matched: "body" });
  });

  it("recognises a redirect to warning.rt.ru by the Location host, without following it", async () => {
    const r = valid(await get(`/redirect?to=${encodeURIComponent("http://warning.rt.ru/?id=17")}`, { fingerprints }));
    expect(r.blockPage).toEqual({ id: "ru-rostelecom-warning", country: "RU", matched: "location" });
    expect(r.failure).toBe("http_error"); // no resolver was given, so the notice itself was not fetched
  });

  it("finds nothing on an ordinary page", async () => {
    const r = valid(await get("/page", { fingerprints }));
    expect(r.blockPage).toBeNull();
  });
});

describe("probeHttp: the first hop over a connection handed in", () => {
  const tlsTo = async (address: string, port: number, serverName: string) =>
    (await handshakeTls({ host: address, port, serverName }, { timeoutSeconds: 2, ca: pki.caCert, keepSocket: true })).connection!;
  const tcpTo = async (address: string, port: number) =>
    (await connectTcp({ host: address, port }, { timeoutSeconds: 2, keepSocket: true })).connection!;

  it("sends the request over it: no new connection, the hop's handshakes are that connection's", async () => {
    const held = await tlsTo("127.0.0.3", secure.port, "secure.test");
    const before = secure.requests.length;
    const r = valid(await probeHttp({ url: `https://secure.test:${secure.port}/echo?reused`, address: "127.0.0.3" },
      { timeoutSeconds: 2, ca: pki.caCert, connection: held }));
    expect(r.status).toBe(200);
    expect(secure.requests.length - before).toBe(1);
    const p = r.hops[0]!.phases;
    expect(p.connect).toBe(durationSeconds(held.tcpStart, held.tcpDone));
    expect(p.tls).toBe(durationSeconds(held.tcpDone, held.tlsDone));
    expect(p.connect! + p.tls! + p.firstByte! + p.download!).toBeLessThanOrEqual(p.total + roundingSlack(5));
    expect(r.time).toBeGreaterThanOrEqual(p.total - 1e-6);
    expect(held.socket.destroyed).toBe(true); // probeHttp closed it when done
  });

  it("gives the failure classes a fresh connection gives, cleartext and TLS", async () => {
    const expected: [string, HttpResult["failure"]][] = [["/page", null], ["/reset", "http_reset"],
      ["/reset-before-headers", "http_reset"], ["/eof", "http_eof"], ["/eof-before-headers", "http_eof"], ["/stall", "http_timeout"]];
    const opts = { timeoutSeconds: 0.5, ca: pki.caCert };
    for (const [path, failure] of expected) {
      const url = { url: at(path), address: "127.0.0.2" };
      const fresh = await probeHttp(url, opts);
      const reused = await probeHttp(url, { ...opts, connection: await tcpTo("127.0.0.2", plain.port) });
      expect([fresh.failure, reused.failure], path).toEqual([failure, failure]);
      expect(reused.status, path).toBe(fresh.status);
      // The helper's HTTPS server cannot send a RST (a TLS socket has no resetAndDestroy): resets over TLS are
      // in the HTTP/2 block below.
      if (path.startsWith("/reset")) continue;
      const tlsUrl = { url: `https://secure.test:${secure.port}${path}`, address: "127.0.0.3" };
      const tlsFresh = await probeHttp(tlsUrl, opts);
      const tlsReused = await probeHttp(tlsUrl, { ...opts, connection: await tlsTo("127.0.0.3", secure.port, "secure.test") });
      expect([tlsFresh.failure, tlsReused.failure], `https ${path}`).toEqual([failure, failure]);
      expect(tlsReused.status, `https ${path}`).toBe(tlsFresh.status);
    }
  });

  it("makes a fresh connection when the one handed in is already gone", async () => {
    const held = await tlsTo("127.0.0.3", secure.port, "secure.test");
    held.socket.destroy();
    const r = valid(await probeHttp({ url: `https://secure.test:${secure.port}/page`, address: "127.0.0.3" },
      { timeoutSeconds: 2, ca: pki.caCert, connection: held }));
    expect(r.status).toBe(200);
    // Phases measured on the new connection, not copied from the dead one.
    expect(r.hops[0]!.phases.tls).not.toBe(durationSeconds(held.tcpDone, held.tlsDone));
  });

  it("refuses a connection to another address: a caller's bug, not a network result", async () => {
    const held = await tcpTo("127.0.0.1", decoy.port);
    await expect(probeHttp({ url: at("/page"), address: "127.0.0.2" }, { timeoutSeconds: 2, connection: held }))
      .rejects.toThrow(TypeError);
    expect(held.socket.destroyed).toBe(true);
  });

  describe("over HTTP/2 (h2 negotiated) and HTTP/1.1 on TLS, a RST or FIN mid-body", () => {
    let server: http2.Http2SecureServer;
    let port: number;
    let connections = 0;
    const raw = new Map<number, Socket>(); // client port -> the server's TCP socket, to reset or end it

    beforeAll(async () => {
      const leaf = pki.leaf(["h2.test"]);
      server = http2.createSecureServer({ key: leaf.key, cert: leaf.cert, allowHTTP1: true }, (req, res) => {
        const socket = raw.get(req.socket.remotePort ?? 0)!;
        if (req.url === "/page") {
          res.writeHead(200, { "content-type": "text/html" });
          return res.end(`<title>over ${req.httpVersion}</title>`);
        }
        // The two ways a censor ends a flow mid-body: a TCP RST, or a FIN.
        res.writeHead(200, { "content-type": "text/html", "content-length": "100000" });
        res.write("<html><title>half</title>");
        setTimeout(() => (req.url === "/reset" ? socket.resetAndDestroy() : socket.end()), 30);
      });
      server.on("connection", (s: Socket) => {
        connections++;
        raw.set(s.remotePort ?? 0, s);
        s.on("error", () => undefined);
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.3", () => resolve()));
      port = (server.address() as AddressInfo).port;
    });
    afterAll(async () => {
      for (const s of raw.values()) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });

    /** GET `path` over a reused connection that negotiated `alpn`, or (null) over a fresh HTTP/1.1 one. */
    const over = async (path: string, alpn: "h2" | "http/1.1" | null = "h2") => {
      let held: HeldConnection | undefined;
      if (alpn !== null) {
        held = (await handshakeTls({ host: "127.0.0.3", port, serverName: "h2.test" },
          { timeoutSeconds: 2, ca: pki.caCert, keepSocket: true, alpn: [alpn] })).connection!;
        expect((held.socket as import("node:tls").TLSSocket).alpnProtocol).toBe(alpn);
      }
      return valid(await probeHttp({ url: `https://h2.test:${port}${path}`, address: "127.0.0.3" },
        { timeoutSeconds: 2, ca: pki.caCert, ...(held ? { connection: held } : {}) }));
    };

    it("fetches the page on the one connection", async () => {
      const before = connections;
      const r = await over("/page");
      expect(r).toMatchObject({ status: 200, failure: null });
      expect(r.hops[0]!.title).toBe("over 2.0");
      expect(connections - before).toBe(1);
    });

    it("classifies a RST mid-body as http_reset and a FIN mid-body as http_eof, reused or not", async () => {
      for (const alpn of ["h2", "http/1.1", null] as const) {
        expect(await over("/reset", alpn), String(alpn)).toMatchObject({ status: 200, failure: "http_reset" });
        expect(await over("/eof", alpn), String(alpn)).toMatchObject({ status: 200, failure: "http_eof" });
      }
    });
  });
});

describe("probeHttp: a redirect hop fails with the name the first connection would get", () => {
  /** Raw TCP servers on 127.0.0.5 that accept and then do one thing to whatever arrives (a ClientHello). */
  const servers: net.Server[] = [];
  const rawServer = async (onData: (s: Socket) => void): Promise<number> => {
    const server = net.createServer((s) => {
      s.on("error", () => undefined);
      s.once("data", () => onData(s));
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.5", () => resolve()));
    return (server.address() as AddressInfo).port;
  };
  afterAll(() => {
    for (const s of servers) s.close();
  });
  const to = (url: string) => `/redirect?to=${encodeURIComponent(url)}`;
  const resolveTo = (address: string) => async () => address;

  it("a refused hop is tcp_refused", async () => {
    const r = valid(await get(to("http://gone.test:9/"), { resolve: resolveTo("127.0.0.4") }));
    expect(r.failure).toBe("tcp_refused");
    expect(r.hops[1]).toMatchObject({ address: "127.0.0.4", failure: "tcp_refused", status: null });
  });

  it("a hop whose ClientHello is answered by a RST is tls_reset, by a FIN tls_eof", async () => {
    const resetPort = await rawServer((s) => s.resetAndDestroy());
    const finPort = await rawServer((s) => s.end());
    const reset = valid(await get(to(`https://reset.test:${resetPort}/`), { resolve: resolveTo("127.0.0.5") }));
    expect(reset.failure).toBe("tls_reset");
    const fin = valid(await get(to(`https://fin.test:${finPort}/`), { resolve: resolveTo("127.0.0.5") }));
    expect(fin.failure).toBe("tls_eof");
    expect(fin.hops[1]!.phases.connect).not.toBeNull();
  });

  it("a hop with an untrusted certificate is tls_cert_untrusted", async () => {
    const r = valid(await get(to(`https://secure.test:${secure.port}/page`), { resolve: resolveTo("127.0.0.3") }));
    expect(r.failure).toBe("tls_cert_untrusted");
  });

  it("an NXDOMAIN-ed redirect target is dns_nxdomain, with no address", async () => {
    const resolve = async () => ({ address: null, failure: "dns_nxdomain" as const });
    const r = valid(await get(to(`http://nx.test:${plain.port}/page`), { resolve }));
    expect(r.failure).toBe("dns_nxdomain");
    expect(r.hops[1]).toMatchObject({ address: null, failure: "dns_nxdomain" });
  });

  it("one deadline bounds the whole fetch: a hop whose ClientHello is blackholed ends it as tls_timeout", async () => {
    const blackhole = await rawServer(() => undefined); // accepts TCP, never answers TLS
    const r = valid(await get(to(`https://black.test:${blackhole}/`), { resolve: resolveTo("127.0.0.5"), timeoutSeconds: 1 }));
    expect(r.failure).toBe("tls_timeout");
    expect(r.time).toBeLessThan(3); // the deadline is 1 s for all hops; without it the hop alone would wait 1 s more
  });

  it("one deadline bounds the whole fetch: a stall after redirects is http_timeout", async () => {
    const r = valid(await get(to(at("/stall")), { timeoutSeconds: 1 }));
    expect(r.hops.map((h) => h.status)).toEqual([302, null]);
    expect(r.failure).toBe("http_timeout");
    expect(r.time).toBeLessThan(3);
  });
});
