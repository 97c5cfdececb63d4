// What probeHttp puts on the wire, read on loopback sockets and compared byte for byte with the captured
// browser profile: HTTP/1.1 over TCP (raw bytes), HTTP/1.1 over TLS (decrypted bytes), HTTP/2 (header order
// as received). The ClientHello is compared with Chrome's in tls.test.ts.
import http2 from "node:http2";
import net from "node:net";
import tls from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_BROWSER_PROFILE } from "../../probes/browser-profile.js";
import { DEFAULT_USER_AGENT, probeHttp } from "../../probes/http.js";
import { chromeProfile } from "../../probes/profiles/chrome.js";
import { makeTestPki, type TestPki } from "../helpers/certs.js";

let pki: TestPki;
beforeAll(() => {
  pki = makeTestPki();
});
afterAll(() => pki?.cleanup());

const PAGE = "<title>captured</title>";
const RESPONSE = `HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: ${PAGE.length}\r\n\r\n${PAGE}`;

/** The head Chrome sent for `url`, rebuilt from the profile by hand (not by the code under test). */
function expectedHead(headers: ReadonlyArray<readonly [string, string]>, host: string, path: string): string {
  const lines = [chromeProfile.http1.requestLine.replace("{path}", path)];
  for (const [name, value] of headers) lines.push(`${name}: ${value === "{host}" ? host : value}`);
  return `${lines.join("\r\n")}\r\n\r\n`;
}

/** A server that records the first request head on each connection and answers a small page. */
function recordHeads(server: net.Server, heads: string[]): void {
  server.on(server instanceof tls.Server ? "secureConnection" : "connection", (socket: net.Socket) => {
    let buf = "";
    socket.on("error", () => undefined);
    socket.on("data", (d: Buffer) => {
      buf += d.toString("latin1");
      const end = buf.indexOf("\r\n\r\n");
      if (end < 0) return;
      heads.push(buf.slice(0, end + 4));
      socket.end(RESPONSE);
    });
  });
}

const listen = (s: net.Server, address: string) =>
  new Promise<number>((r) => s.listen(0, address, () => r((s.address() as net.AddressInfo).port)));

describe("the Chrome profile", () => {
  it("is a regular Chrome of the captured version, not HeadlessChrome", () => {
    expect(chromeProfile.browser).toMatch(/^Chromium \d+\.\d+\.\d+\.\d+/);
    const major = /^Chromium (\d+)\./.exec(chromeProfile.browser)![1];
    expect(DEFAULT_USER_AGENT).toContain(`Chrome/${major}.0.0.0`);
    expect(JSON.stringify(chromeProfile)).not.toContain("Headless");
    expect(chromeProfile.http1.cleartext.map(([n]) => n)).toEqual(expect.arrayContaining(["Host", "User-Agent", "Accept"]));
  });
});

describe("probeHttp on the wire", () => {
  it("sends an http:// GET exactly as the profile's bytes, Host filled in", async () => {
    const heads: string[] = [];
    const server = net.createServer();
    recordHeads(server, heads);
    const port = await listen(server, "127.0.0.2");
    try {
      const r = await probeHttp({ url: `http://Example.TEST:${port}/a/b?q=1&r=%20`, address: "127.0.0.2" }, { timeoutSeconds: 2 });
      expect(r.failure).toBeNull();
      expect(heads).toHaveLength(1);
      expect(heads[0]).toBe(expectedHead(chromeProfile.http1.cleartext, `example.test:${port}`, "/a/b?q=1&r=%20"));
      // A DPI box matching the literal bytes a browser sends sees them.
      expect(heads[0]).toContain(`\r\nHost: example.test:${port}\r\n`);
    } finally {
      server.close();
    }
  });

  it("sends / as the path of a URL that has none", async () => {
    const heads: string[] = [];
    const server = net.createServer();
    recordHeads(server, heads);
    const port = await listen(server, "127.0.0.2");
    try {
      await probeHttp({ url: `http://site.test:${port}`, address: "127.0.0.2" }, { timeoutSeconds: 2 });
      expect(heads[0]!.startsWith("GET / HTTP/1.1\r\n")).toBe(true);
    } finally {
      server.close();
    }
  });

  it("sends an https:// GET over HTTP/1.1 exactly as the profile's secure bytes", async () => {
    const leaf = pki.leaf(["secure.test"]);
    const heads: string[] = [];
    const server = tls.createServer({ key: leaf.key, cert: leaf.cert, ALPNProtocols: ["http/1.1"] });
    recordHeads(server, heads);
    const port = await listen(server, "127.0.0.3");
    try {
      const r = await probeHttp({ url: `https://secure.test:${port}/x`, address: "127.0.0.3" }, { timeoutSeconds: 2, ca: pki.caCert });
      expect(r.failure).toBeNull();
      expect(heads[0]).toBe(expectedHead(chromeProfile.http1.secure, `secure.test:${port}`, "/x"));
    } finally {
      server.close();
    }
  });

  it("sends HTTP/2 headers in the profile's order when ALPN picks h2", async () => {
    const leaf = pki.leaf(["h2.test"]);
    const server = http2.createSecureServer({ key: leaf.key, cert: leaf.cert });
    const seen: string[][] = [];
    server.on("stream", (stream: http2.ServerHttp2Stream, _h: unknown, _f: unknown, raw: string[]) => {
      seen.push(raw);
      stream.respond({ ":status": 200 });
      stream.end("<title>h2</title>");
    });
    const port = await listen(server as unknown as net.Server, "127.0.0.3");
    try {
      const r = await probeHttp({ url: `https://h2.test:${port}/p?x`, address: "127.0.0.3" }, { timeoutSeconds: 2, ca: pki.caCert });
      expect(r.failure).toBeNull();
      expect(r.hops[0]!.title).toBe("h2");
      const pairs: string[][] = [];
      for (let i = 0; i < seen[0]!.length; i += 2) pairs.push([seen[0]![i]!, seen[0]![i + 1]!]);
      const expected = chromeProfile.h2.map(([n, v]) => [n,
        n === ":authority" ? `h2.test:${port}` : n === ":path" ? "/p?x" : v]);
      expect(pairs).toEqual(expected);
    } finally {
      server.close();
    }
  });

  it("overrides only the User-Agent when asked", async () => {
    const heads: string[] = [];
    const server = net.createServer();
    recordHeads(server, heads);
    const port = await listen(server, "127.0.0.2");
    try {
      await probeHttp({ url: `http://site.test:${port}/`, address: "127.0.0.2" }, { timeoutSeconds: 2, userAgent: "Test/1" });
      const withUa = DEFAULT_BROWSER_PROFILE.http1.cleartext.map(([n, v]): [string, string] => [n, n === "User-Agent" ? "Test/1" : v]);
      expect(heads[0]).toBe(expectedHead(withUa, `site.test:${port}`, "/"));
    } finally {
      server.close();
    }
  });
});
