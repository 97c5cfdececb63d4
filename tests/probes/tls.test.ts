import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { X509Certificate } from "node:crypto";
import { createServer as createTcpServer, type Server, type Socket } from "node:net";
import { createServer as createTlsServer, type TLSSocket } from "node:tls";
import { classifyTlsError, handshakeTls, probeTls, type TlsOptions } from "../../probes/tls.js";
import { durationSeconds } from "../../probes/duration.js";
import { tlsResultSchema } from "../../probes/types.js";
import { chromeProfile } from "../../probes/profiles/chrome.js";
import { makeTestPki, type LeafCert, type TestPki } from "../helpers/certs.js";
import { parseClientHello } from "../helpers/client-hello.js";

async function listen(server: Server, host = "127.0.0.1"): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, host, () => resolve());
  });
  const addr = server.address();
  if (addr === null || typeof addr === "string") throw new Error("no port");
  return addr.port;
}

const close = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));

/**
 * A TLS server with one certificate. It records the SNI of each ClientHello that carried one (node calls
 * SNICallback while reading the ClientHello, so before the client can finish its handshake).
 */
async function tlsServer(leaf: LeafCert, opts: { alpn?: string[]; host?: string } = {}) {
  const sni: string[] = [];
  const server = createTlsServer({
    key: leaf.key,
    cert: leaf.cert,
    ALPNProtocols: opts.alpn,
    SNICallback: (name, callback) => {
      sni.push(name);
      callback(null, undefined);
    },
  }, (s: TLSSocket) => s.end());
  server.on("tlsClientError", () => {});
  const port = await listen(server, opts.host);
  return { server, port, sni };
}

/** A TCP server that reads the ClientHello and then does `onHello` to the connection. */
async function rawServer(onHello: (s: Socket) => void) {
  const sockets = new Set<Socket>();
  const server = createTcpServer((s) => {
    sockets.add(s);
    s.on("error", () => {});
    s.once("data", () => onHello(s));
  });
  const port = await listen(server);
  return { port, stop: async () => { for (const s of sockets) s.destroy(); await close(server); } };
}

describe("probeTls", () => {
  let pki: TestPki;
  let good: Awaited<ReturnType<typeof tlsServer>>;
  let goodLeaf: LeafCert;
  let expired: Awaited<ReturnType<typeof tlsServer>>;
  let selfSigned: Awaited<ReturnType<typeof tlsServer>>;
  let plainAlpn: Awaited<ReturnType<typeof tlsServer>>;
  let trust: TlsOptions;

  beforeAll(async () => {
    pki = makeTestPki();
    goodLeaf = pki.leaf(["site.test", "xn--d1acpjx3f.xn--p1ai", "127.0.0.1", "::1"]);
    good = await tlsServer(goodLeaf, { alpn: ["h2", "http/1.1"] });
    expired = await tlsServer(pki.leaf(["site.test"], { expired: true }));
    selfSigned = await tlsServer(pki.selfSigned(["site.test"]));
    plainAlpn = await tlsServer(goodLeaf);
    trust = { timeoutSeconds: 3, ca: pki.caCert };
  });
  afterAll(async () => {
    await Promise.all([good, expired, selfSigned, plainAlpn].map((s) => close(s.server)));
    pki.cleanup();
  });

  it("completes a handshake and summarises the certificate", async () => {
    const r = tlsResultSchema.parse(await probeTls({ host: "127.0.0.1", port: good.port, serverName: "site.test" }, trust));
    expect(r).toMatchObject({ address: "127.0.0.1", port: good.port, serverName: "site.test", failure: null, alpn: "h2" });
    expect(r.protocol).toMatch(/^TLSv1\.[23]$/);
    expect(r.handshakeTime).not.toBeNull();
    const x = new X509Certificate(goodLeaf.cert);
    expect(r.certificate).toEqual({
      subject: "CN=site.test",
      issuer: "CN=KeepWatch Test CA",
      validFrom: new Date(x.validFrom).toISOString(),
      validTo: new Date(x.validTo).toISOString(),
      altNames: ["site.test", "xn--d1acpjx3f.xn--p1ai", "127.0.0.1", "::1"],
      fingerprint256: x.fingerprint256,
    });
    expect(good.sni.at(-1)).toBe("site.test");
  });

  it("negotiates the ALPN the caller offers, or none", async () => {
    const h1 = await probeTls({ host: "127.0.0.1", port: good.port, serverName: "site.test" }, { ...trust, alpn: ["http/1.1"] });
    expect(h1.alpn).toBe("http/1.1");
    const none = await probeTls({ host: "127.0.0.1", port: plainAlpn.port, serverName: "site.test" }, trust);
    expect(none).toMatchObject({ alpn: null, failure: null });
  });

  it("accepts the CA bundle as a list", async () => {
    const other = makeTestPki();
    try {
      const r = await probeTls({ host: "127.0.0.1", port: good.port, serverName: "site.test" },
        { timeoutSeconds: 3, ca: [other.caCert, pki.caCert] });
      expect(r.failure).toBeNull();
    } finally {
      other.cleanup();
    }
  });

  it("classifies certificate problems and still records what the server presented", async () => {
    const wrongHost = await probeTls({ host: "127.0.0.1", port: good.port, serverName: "other.test" }, trust);
    expect(wrongHost).toMatchObject({ failure: "tls_cert_hostname", alpn: "h2" });
    expect(wrongHost.certificate?.subject).toBe("CN=site.test");
    expect(wrongHost.handshakeTime).not.toBeNull();

    const old = await probeTls({ host: "127.0.0.1", port: expired.port, serverName: "site.test" }, trust);
    expect(old.failure).toBe("tls_cert_expired");
    expect(Date.parse(old.certificate?.validTo ?? "")).toBeLessThan(Date.now());

    const self = await probeTls({ host: "127.0.0.1", port: selfSigned.port, serverName: "site.test" }, trust);
    expect(self.failure).toBe("tls_cert_untrusted");

    // Without our CA, the built-in roots do not know the test CA.
    const noCa = await probeTls({ host: "127.0.0.1", port: good.port, serverName: "site.test" }, { timeoutSeconds: 3 });
    expect(noCa.failure).toBe("tls_cert_untrusted");
  });

  it("sends no SNI for an IP server name but checks the certificate's IP entries", async () => {
    const seen = good.sni.length;
    const r = await probeTls({ host: "127.0.0.1", port: good.port, serverName: "127.0.0.1" }, trust);
    expect(r.failure).toBeNull();
    expect(good.sni.length).toBe(seen);
  });

  it("sends IDN server names as punycode", async () => {
    const r = await probeTls({ host: "127.0.0.1", port: good.port, serverName: "яндекс.рф" }, trust);
    expect(r).toMatchObject({ serverName: "xn--d1acpjx3f.xn--p1ai", failure: null });
    expect(good.sni.at(-1)).toBe("xn--d1acpjx3f.xn--p1ai");
  });

  it("works over IPv6 loopback", async (ctx) => {
    let v6: Awaited<ReturnType<typeof tlsServer>>;
    try {
      v6 = await tlsServer(goodLeaf, { host: "::1" });
    } catch {
      return ctx.skip();
    }
    try {
      const r = await probeTls({ host: "::1", port: v6.port, serverName: "site.test" }, trust);
      expect(r).toMatchObject({ address: "::1", failure: null });
    } finally {
      await close(v6.server);
    }
  });

  it("reports tls_reset when the ClientHello is answered with a RST", async () => {
    const srv = await rawServer((s) => s.resetAndDestroy());
    try {
      const r = await probeTls({ host: "127.0.0.1", port: srv.port, serverName: "blocked.test" }, trust);
      expect(r).toMatchObject({ failure: "tls_reset", handshakeTime: null, certificate: null, alpn: null });
    } finally {
      await srv.stop();
    }
  });

  it("reports tls_eof when the peer closes during the handshake", async () => {
    const srv = await rawServer((s) => s.end());
    try {
      const r = await probeTls({ host: "127.0.0.1", port: srv.port, serverName: "blocked.test" }, trust);
      expect(r).toMatchObject({ failure: "tls_eof", handshakeTime: null });
    } finally {
      await srv.stop();
    }
  });

  it("reports tls_timeout when the server never answers the ClientHello", async () => {
    const srv = await rawServer(() => {});
    try {
      const r = await probeTls({ host: "127.0.0.1", port: srv.port, serverName: "slow.test" }, { ...trust, timeoutSeconds: 0.5 });
      expect(r).toMatchObject({ failure: "tls_timeout", handshakeTime: null });
      const controller = new AbortController();
      const pending = probeTls({ host: "127.0.0.1", port: srv.port, serverName: "slow.test" },
        { ...trust, timeoutSeconds: 30, signal: controller.signal });
      setTimeout(() => controller.abort(), 50);
      expect((await pending).failure).toBe("tls_timeout");
    } finally {
      await srv.stop();
    }
  });

  it("reports tls_error for a server that does not speak TLS", async () => {
    const srv = await rawServer((s) => s.end("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"));
    try {
      const r = await probeTls({ host: "127.0.0.1", port: srv.port, serverName: "site.test" }, trust);
      expect(r).toMatchObject({ failure: "tls_error", handshakeTime: null });
    } finally {
      await srv.stop();
    }
  });

  it("reports tls_error with no handshake time when the TCP connect fails", async () => {
    const tcp = createTcpServer();
    const port = await listen(tcp);
    await close(tcp);
    const r = await probeTls({ host: "127.0.0.1", port, serverName: "site.test" }, trust);
    expect(r).toEqual({ address: "127.0.0.1", port, serverName: "site.test", alpn: null, protocol: null,
      failure: "tls_error", handshakeTime: null, certificate: null });
  });

  it("handshakeTls also reports the TCP connect of the same connection", async () => {
    const ok = await handshakeTls({ host: "127.0.0.1", port: good.port, serverName: "site.test" }, trust);
    expect(ok.tcp).toMatchObject({ address: "127.0.0.1", port: good.port, failure: null });
    expect(ok.tcp.connectTime).toBeGreaterThan(0);
    expect(ok.tls.failure).toBeNull();
    expect(ok.connection).toBeNull(); // not asked to keep it

    const tcp = createTcpServer();
    const port = await listen(tcp);
    await close(tcp);
    const refused = await handshakeTls({ host: "127.0.0.1", port, serverName: "site.test" }, trust);
    expect(refused.tcp).toEqual({ address: "127.0.0.1", port, failure: "tcp_refused", connectTime: null });
    expect(refused.tls).toMatchObject({ failure: "tls_error", handshakeTime: null });

    const srv = await rawServer((s) => s.resetAndDestroy());
    try {
      const reset = await handshakeTls({ host: "127.0.0.1", port: srv.port, serverName: "blocked.test" }, { ...trust, keepSocket: true });
      expect(reset.tcp.failure).toBeNull();
      expect(reset.tls.failure).toBe("tls_reset");
      expect(reset.connection).toBeNull();
    } finally {
      await srv.stop();
    }
  });

  it("handshakeTls hands back the open TLS socket when asked, with the marks its results were timed by", async () => {
    const r = await handshakeTls({ host: "127.0.0.1", port: good.port, serverName: "site.test" }, { ...trust, keepSocket: true });
    const c = r.connection!;
    try {
      expect(c.socket.destroyed).toBe(false);
      expect((c.socket as TLSSocket).encrypted).toBe(true);
      expect((c.socket as TLSSocket).alpnProtocol).toBe(r.tls.alpn);
      expect(r.tcp.connectTime).toBe(durationSeconds(c.tcpStart, c.tcpDone));
      expect(r.tls.handshakeTime).toBe(durationSeconds(c.tcpDone, c.tlsDone));
      // The test server ends the connection after the handshake: a kept socket sees it end without throwing.
      await new Promise((resolve) => c.socket.once("end", resolve).resume());
    } finally {
      c.socket.destroy();
    }
    // A certificate failure still completed the handshake: the socket comes back too, for the caller to close.
    const wrong = await handshakeTls({ host: "127.0.0.1", port: good.port, serverName: "other.test" }, { ...trust, keepSocket: true });
    expect(wrong.tls.failure).toBe("tls_cert_hostname");
    expect(wrong.connection?.socket.destroyed).toBe(false);
    wrong.connection?.socket.destroy();
  });

  it("tells a RST from an EOF by node's error shape", () => {
    const reset = Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET", syscall: "read" });
    const eof = Object.assign(new Error("Client network socket disconnected before secure TLS connection was established"),
      { code: "ECONNRESET" });
    expect(classifyTlsError(reset)).toBe("tls_reset");
    expect(classifyTlsError(eof)).toBe("tls_eof");
    expect(classifyTlsError(new Error("wrong version number"))).toBe("tls_error");
  });

  it("rejects bad arguments", async () => {
    await expect(probeTls({ host: "site.test", port: 443, serverName: "site.test" }, trust)).rejects.toThrow(TypeError);
    await expect(probeTls({ host: "127.0.0.1", port: 443, serverName: "bad name" }, trust)).rejects.toThrow(TypeError);
  });
});

describe("our TLS ClientHello against Chrome's", () => {
  it("offers Chrome's ciphers, signature algorithms and ALPN in Chrome's order, and its groups that OpenSSL has", async () => {
    const server = createTcpServer();
    const hello = new Promise<Buffer>((resolve) => server.on("connection", (s) => {
      s.on("error", () => undefined);
      s.once("data", (d: Buffer) => {
        resolve(d);
        s.destroy();
      });
    }));
    const port = await listen(server, "127.0.0.2");
    try {
      await handshakeTls({ host: "127.0.0.2", port, serverName: "hello.test" }, { timeoutSeconds: 2 });
      const ours = parseClientHello(await hello);
      const chrome = chromeProfile.clientHello;
      const noGrease = (l: readonly string[]) => l.filter((x) => x !== "GREASE");
      // OpenSSL signals secure renegotiation with the SCSV cipher instead of Chrome's extension.
      expect(ours.cipherSuites.filter((c) => c !== "TLS_EMPTY_RENEGOTIATION_INFO_SCSV")).toEqual(noGrease(chrome.cipherSuites));
      expect(ours.alpn).toEqual(chrome.alpn);
      expect(ours.supportedVersions).toEqual(noGrease(chrome.supportedVersions));
      expect(ours.signatureAlgorithms).toEqual(noGrease(chrome.signatureAlgorithms).filter((a) => !a.startsWith("mldsa")));
      expect(ours.supportedGroups).toEqual(noGrease(chrome.supportedGroups).filter((g) => ours.supportedGroups.includes(g)));
      expect(ours.supportedGroups.slice(-3)).toEqual(["X25519", "P-256", "P-384"]);
      expect(ours.extensions).toEqual(expect.arrayContaining(["server_name", "status_request", "alpn", "extended_master_secret"]));
      expect(ours.extensions).not.toContain("encrypt_then_mac"); // Chrome sends none
    } finally {
      await close(server);
    }
  });
});
