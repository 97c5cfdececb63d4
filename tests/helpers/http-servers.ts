// Loopback HTTP/HTTPS servers that behave like the web does when it works and when it is interfered with:
// a normal page, a Russian block page, redirect chains and loops, a body larger than any cap, a reset in
// the middle of a response, a stall before headers, an early close (EOF), and a rate-limited body for
// throughput. For the probe tests and later for end-to-end runs and benches.
import http from "node:http";
import https from "node:https";
import type net from "node:net";

export interface RecordedRequest {
  path: string;
  /** The Host header as received. */
  host: string | undefined;
  /** TLS SNI as received; null over plain HTTP or when the client sent none. */
  servername: string | null;
  /** The client's source address. */
  from: string;
}

export interface TestHttpServer {
  /** "http://127.0.0.2:41234" — the literal address; tests usually fetch a made-up name pinned to it. */
  origin: string;
  address: string;
  port: number;
  protocol: "http:" | "https:";
  /** Every request received, in order. */
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export interface TestHttpServerOptions {
  /** Loopback address to bind; 127.0.0.1 by default. Any of 127.0.0.0/8 works on Linux. */
  address?: string;
  /** 0 (any free port) by default; pass another server's port to share it on a different address. */
  port?: number;
  /** PEM key and certificate: serve HTTPS instead of HTTP. */
  tls?: { key: string; cert: string };
  /** Text the /whoami route answers with, to tell two servers apart. */
  name?: string;
}

export const PAGE_TITLE = "KeepWatch test page";
/** A byte count larger than the 512 KiB body cap. */
export const HUGE_BODY_BYTES = 2 * 1024 * 1024;
/** Body text of /blockpage: the Roskomnadzor registry notice (fingerprint ru-rkn-federal-laws-notice). */
export const RU_NOTICE = "Доступ к сайту ограничен в соответствии с Федеральными законами Российской Федерации";

const html = (title: string, body: string) =>
  `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title></head><body>${body}</body></html>`;

function intParam(url: URL, name: string, fallback: number): number {
  const v = Number(url.searchParams.get(name));
  return Number.isFinite(v) && v > 0 ? Math.floor(v) : fallback;
}

/** Write `total` bytes at `rate` bytes per second in 20 ms slices, stopping if the client goes away. */
function writeThrottled(res: http.ServerResponse, total: number, rate: number): void {
  const slice = Math.max(1, Math.floor(rate / 50));
  const chunk = Buffer.alloc(slice, 0x61);
  let sent = 0;
  const timer = setInterval(() => {
    if (res.destroyed) return clearInterval(timer);
    const n = Math.min(slice, total - sent);
    res.write(n === slice ? chunk : chunk.subarray(0, n));
    sent += n;
    if (sent >= total) {
      clearInterval(timer);
      res.end();
    }
  }, 20);
  res.on("close", () => clearInterval(timer));
}

function handler(name: string, requests: RecordedRequest[]): http.RequestListener {
  return (req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    const socket = req.socket as net.Socket & { servername?: string | false };
    requests.push({ path: url.pathname + url.search, host: req.headers.host, servername: socket.servername || null,
      from: socket.remoteAddress ?? "" });
    const send = (status: number, body: string | Buffer, headers: http.OutgoingHttpHeaders = {}) => {
      res.writeHead(status, { "content-type": "text/html; charset=utf-8", "content-length": Buffer.byteLength(body), ...headers });
      res.end(body);
    };
    const p = url.pathname;
    if (p === "/" || p === "/page") return send(200, html(PAGE_TITLE, "<p>All is well.</p>"), { server: "kw-test", "x-cache": "MISS" });
    if (p === "/whoami") return send(200, name, { "content-type": "text/plain" });
    if (p === "/echo") {
      return send(200, JSON.stringify({ host: req.headers.host ?? null, servername: socket.servername || null, name }), {
        "content-type": "application/json",
      });
    }
    if (p === "/blockpage") return send(200, html("Доступ ограничен", `<h2>${RU_NOTICE}</h2>`));
    if (p === "/cp1251") {
      // "Доступ ограничен" in windows-1251, declared only in the Content-Type header.
      const title = Buffer.from([0xc4, 0xee, 0xf1, 0xf2, 0xf3, 0xef, 0x20, 0xee, 0xe3, 0xf0, 0xe0, 0xed, 0xe8, 0xf7, 0xe5, 0xed]);
      const body = Buffer.concat([Buffer.from("<html><head><title> "), title, Buffer.from(" &amp; co </title></head></html>")]);
      return send(200, body, { "content-type": "text/html; charset=windows-1251" });
    }
    if (p.startsWith("/chain/")) {
      // /chain/N redirects N more times, then lands on the page.
      const n = Number(p.slice("/chain/".length));
      return n > 0 ? send(302, "", { location: `/chain/${n - 1}` }) : send(200, html(PAGE_TITLE, "end of chain"));
    }
    if (p === "/loop/a") return send(302, "", { location: "/loop/b" });
    if (p === "/loop/b") return send(301, "", { location: "/loop/a" });
    if (p === "/redirect") return send(302, "", { location: url.searchParams.get("to") ?? "/page" });
    if (p === "/huge") {
      res.writeHead(200, { "content-type": "text/html", "content-length": HUGE_BODY_BYTES });
      return res.end(Buffer.concat([Buffer.from(html("Huge", "")), Buffer.alloc(HUGE_BODY_BYTES - html("Huge", "").length, 0x20)]));
    }
    if (p === "/fixed") {
      const bytes = intParam(url, "bytes", 100_000);
      res.writeHead(200, { "content-type": "application/octet-stream", "content-length": bytes });
      return res.end(Buffer.alloc(bytes, 0x62));
    }
    if (p === "/slow") {
      const bytes = intParam(url, "bytes", 1_000_000);
      res.writeHead(200, { "content-type": "application/octet-stream", "content-length": bytes });
      return writeThrottled(res, bytes, intParam(url, "rate", 50_000));
    }
    if (p === "/reset") {
      // Headers and part of the body, then a TCP RST, as a middlebox tearing the flow down would.
      res.writeHead(200, { "content-type": "text/html", "content-length": 100_000 });
      res.write("<html><head><title>half</title>");
      setTimeout(() => socket.resetAndDestroy(), 30);
      return;
    }
    if (p === "/reset-before-headers") return void socket.resetAndDestroy();
    if (p === "/eof") {
      // Promises 100 kB, sends a little, closes cleanly: the client sees EOF before a full response.
      res.writeHead(200, { "content-type": "text/html", "content-length": 100_000 });
      res.write("<html>");
      setTimeout(() => socket.end(), 30);
      return;
    }
    if (p === "/eof-before-headers") return void socket.end();
    if (p === "/stall") return; // never answers; close() tears the socket down
    send(404, html("Not found", ""));
  };
}

/** Start one server; `close()` ends it and every connection it holds (stalled ones included). */
export async function startTestHttpServer(opts: TestHttpServerOptions = {}): Promise<TestHttpServer> {
  const address = opts.address ?? "127.0.0.1";
  const requests: RecordedRequest[] = [];
  const onRequest = handler(opts.name ?? address, requests);
  const server = opts.tls ? https.createServer({ key: opts.tls.key, cert: opts.tls.cert }, onRequest) : http.createServer(onRequest);
  const sockets = new Set<net.Socket>();
  server.on("connection", (s: net.Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  // A client that fails the TLS handshake on purpose (untrusted cert tests) is not a server error.
  server.on("tlsClientError", () => undefined);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, address, () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  const protocol = opts.tls ? "https:" : "http:";
  return {
    origin: `${protocol}//${address.includes(":") ? `[${address}]` : address}:${port}`,
    address,
    port,
    protocol,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
