// Re-captures the browser profile (probes/profiles/chrome.ts): the exact request Debian's Chromium sends for a
// top-level navigation, read on loopback sockets, plus a summary of its TLS ClientHello.
//
//   npx tsx scripts/capture-chrome-profile.ts [path-to-chromium]     (default /usr/bin/chromium)
//
// Four navigations, each with a fresh profile directory, to servers on 127.0.0.1 that Chromium reaches under
// the name keepwatch.test (--host-resolver-rules): a real name, so the page is not a "secure context" the way
// localhost is (that would add client hints to cleartext requests) and SNI is sent.
//   1. http://   — a raw TCP server: the request bytes as they came off the wire;
//   2. https://  with ALPN http/1.1 only — the decrypted HTTP/1.1 request bytes;
//   3. https://  with ALPN h2 — header order as received (pseudo-headers included; HPACK lower-cases names);
//   4. https://  on a raw TCP server — the ClientHello record, summarised (ciphers, extensions, groups, ...).
// Headless Chromium says "HeadlessChrome/<version>" in its User-Agent (and client hints): the profile uses
// the regular "Chrome/<version>" spelling, which is what a person's browser of the same version sends.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http2 from "node:http2";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import tls from "node:tls";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { parseClientHello, type ClientHelloSummary } from "../tests/helpers/client-hello.js";

const HOST = "keepwatch.test";
const executablePath = process.argv[2] ?? "/usr/bin/chromium";
const OUT = fileURLToPath(new URL("../probes/profiles/chrome.ts", import.meta.url));
const PAGE = "<!doctype html><title>capture</title><p>ok";

function selfSigned(dir: string): { key: string; cert: string } {
  execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
    "-keyout", "k.pem", "-out", "c.pem", "-days", "2", "-subj", `/CN=${HOST}`, "-addext", `subjectAltName=DNS:${HOST}`],
  { cwd: dir, stdio: "pipe" });
  return { key: readFileSync(join(dir, "k.pem"), "utf8"), cert: readFileSync(join(dir, "c.pem"), "utf8") };
}

/** Navigates a fresh headless Chromium to `url` (errors ignored: some servers here never answer). */
async function navigate(url: string): Promise<string> {
  const profile = mkdtempSync(join(tmpdir(), "kw-capture-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
      "--ignore-certificate-errors", `--host-resolver-rules=MAP ${HOST} 127.0.0.1`],
  });
  try {
    const version = context.browser()?.version() ?? "";
    const page = context.pages()[0] ?? await context.newPage();
    await page.goto(url, { timeout: 8000 }).catch(() => undefined);
    return version;
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

/** The head of the first request that arrives on `server` (up to and including the blank line). */
function firstHead(server: net.Server | tls.Server): Promise<Buffer> {
  return new Promise((resolve) => {
    const event = server instanceof tls.Server ? "secureConnection" : "connection";
    server.on(event, (socket: net.Socket) => {
      let buf = Buffer.alloc(0);
      socket.on("error", () => undefined);
      socket.on("data", (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        const end = buf.indexOf("\r\n\r\n");
        if (end < 0) return;
        resolve(buf.subarray(0, end + 4));
        socket.end(`HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: ${PAGE.length}\r\nConnection: close\r\n\r\n${PAGE}`);
      });
    });
  });
}

const listen = (s: net.Server) => new Promise<number>((r) => s.listen(0, "127.0.0.1", () => r((s.address() as net.AddressInfo).port)));

/** "GET / HTTP/1.1\r\nName: value\r\n..." → request line and [name, value] pairs, Host's value a placeholder. */
function parseHead(head: Buffer): { requestLine: string; headers: Array<[string, string]> } {
  const lines = head.toString("latin1").split("\r\n").filter((l) => l !== "");
  const [requestLine = "", ...rest] = lines;
  const headers = rest.map((l): [string, string] => {
    const i = l.indexOf(":");
    const name = l.slice(0, i);
    const value = l.slice(i + 1).trim();
    return [name, name.toLowerCase() === "host" || name === ":authority" ? "{host}" : value];
  });
  return { requestLine, headers };
}

/** HeadlessChrome/<v> → Chrome/<v>, in the User-Agent and in the brand lists of client hints. */
function regularChrome(headers: Array<[string, string]>): Array<[string, string]> {
  return headers.map(([n, v]) => [n, v.replace(/HeadlessChrome/g, "Chrome")]);
}

/** One line per [name, value] pair, so the profile reads like the request it is. */
function compact(json: string): string {
  return json.replace(/\[\s+("(?:[^"\\]|\\.)*"),\s+("(?:[^"\\]|\\.)*")\s+\]/g, "[$1, $2]");
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "kw-capture-pki-"));
  const { key, cert } = selfSigned(dir);

  const plain = net.createServer();
  const plainHead = firstHead(plain);
  const plainPort = await listen(plain);
  const version = await navigate(`http://${HOST}:${plainPort}/`);
  const http1Plain = parseHead(await plainHead);
  plain.close();

  const secure1 = tls.createServer({ key, cert, ALPNProtocols: ["http/1.1"] });
  const secureHead = firstHead(secure1);
  const securePort = await listen(secure1);
  await navigate(`https://${HOST}:${securePort}/`);
  const http1Secure = parseHead(await secureHead);
  secure1.close();

  const h2 = http2.createSecureServer({ key, cert });
  const h2Headers = new Promise<Array<[string, string]>>((resolve) => {
    h2.on("stream", (stream: http2.ServerHttp2Stream, _headers: unknown, _flags: unknown, raw: string[]) => {
      const pairs: Array<[string, string]> = [];
      for (let i = 0; i < raw.length; i += 2) pairs.push([raw[i]!, raw[i] === ":authority" ? "{host}" : raw[i + 1]!]);
      resolve(pairs);
      stream.respond({ ":status": 200, "content-type": "text/html" });
      stream.end(PAGE);
    });
  });
  const h2Port = await listen(h2 as unknown as net.Server);
  await navigate(`https://${HOST}:${h2Port}/`);
  const h2Pairs = await h2Headers;
  h2.close();

  const raw = net.createServer();
  const hello = new Promise<Buffer>((resolve) => {
    raw.on("connection", (s) => {
      let buf = Buffer.alloc(0);
      s.on("error", () => undefined);
      s.on("data", (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        if (buf.length >= 5 && buf.length >= 5 + buf.readUInt16BE(3)) {
          resolve(buf);
          s.destroy();
        }
      });
    });
  });
  const rawPort = await listen(raw);
  await navigate(`https://${HOST}:${rawPort}/`);
  const clientHello: ClientHelloSummary = parseClientHello(await hello);
  raw.close();
  rmSync(dir, { recursive: true, force: true });

  const profile = {
    browser: `Chromium ${version} (Debian /usr/bin/chromium, headless; User-Agent spelled as regular Chrome)`,
    capturedAt: new Date().toISOString().slice(0, 10),
    http1: {
      requestLine: http1Plain.requestLine.replace(/^GET \/ /, "GET {path} "),
      cleartext: regularChrome(http1Plain.headers),
      secure: regularChrome(http1Secure.headers),
    },
    h2: regularChrome(h2Pairs),
    clientHello,
  };
  const text = [
    "// Generated by scripts/capture-chrome-profile.ts from a real navigation; re-run it to update. Do not edit by hand.",
    "// {host} stands for the Host header (host[:port]) and {path} for the path and query of the URL.",
    "// Plain data: probes/browser-profile.ts types it as a BrowserProfile (no import back, so no import circle).",
    "",
    `export const chromeProfile = ${compact(JSON.stringify(profile, null, 2))} as const;`,
    "",
  ].join("\n");
  writeFileSync(OUT, text);
  console.log(`wrote ${OUT}: ${profile.browser}`);
  console.log(text);
}

await main();
