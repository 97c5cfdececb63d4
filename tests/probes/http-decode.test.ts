// Responses as raw bytes from a loopback TCP server, read by probeHttp: every body framing (Content-Length,
// chunked, close-delimited) and every content coding the profile advertises (gzip, deflate zlib-wrapped and
// raw, br, zstd made by the real zstd tool), with length, hash and title of the decoded page; the cap counts
// decoded bytes; a body that does not decode is http_error.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import net from "node:net";
import zlib from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { probeHttp } from "../../probes/http.js";
import { httpResultSchema, type HttpResult } from "../../probes/types.js";

const PAGE = Buffer.from(`<!doctype html><html><head><title>Decoded page</title></head><body>${"lorem ipsum ".repeat(400)}</body></html>`);
let server: net.Server;
let port: number;
/** path → the raw response bytes to send, then close (or not) */
const routes = new Map<string, { bytes: Buffer; close: boolean }>();

beforeAll(async () => {
  server = net.createServer((socket) => {
    let head = "";
    socket.on("error", () => undefined);
    socket.on("data", (d: Buffer) => {
      head += d.toString("latin1");
      if (!head.includes("\r\n\r\n")) return;
      const path = head.split(" ")[1] ?? "/";
      const route = routes.get(path);
      if (!route) return socket.end("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
      if (route.close) socket.end(route.bytes);
      else socket.write(route.bytes);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.2", () => r()));
  port = (server.address() as net.AddressInfo).port;
});
afterAll(() => {
  server?.close();
});

function serve(path: string, headers: string[], body: Buffer, close = false): void {
  const head = Buffer.from(`HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n${headers.map((h) => `${h}\r\n`).join("")}\r\n`, "latin1");
  routes.set(path, { bytes: Buffer.concat([head, body]), close });
}

const get = async (path: string, maxBodyBytes?: number): Promise<HttpResult> =>
  httpResultSchema.parse(await probeHttp({ url: `http://decode.test:${port}${path}`, address: "127.0.0.2" },
    { timeoutSeconds: 3, ...(maxBodyBytes ? { maxBodyBytes } : {}) }));

function expectPage(r: HttpResult): void {
  expect(r.failure).toBeNull();
  const hop = r.hops[0]!;
  expect(hop.bodyLength).toBe(PAGE.length);
  expect(hop.bodySha256).toBe(createHash("sha256").update(PAGE).digest("hex"));
  expect(hop.title).toBe("Decoded page");
}

describe("body framing", () => {
  it("reads a Content-Length body", async () => {
    serve("/length", [`Content-Length: ${PAGE.length}`], PAGE);
    expectPage(await get("/length"));
  });

  it("reads a chunked body, chunk extensions and trailers included", async () => {
    const half = PAGE.length >> 1;
    const body = Buffer.concat([
      Buffer.from(`${half.toString(16)};ext=1\r\n`), PAGE.subarray(0, half), Buffer.from("\r\n"),
      Buffer.from(`${(PAGE.length - half).toString(16)}\r\n`), PAGE.subarray(half), Buffer.from("\r\n0\r\nX-Trailer: 1\r\n\r\n"),
    ]);
    serve("/chunked", ["Transfer-Encoding: chunked"], body);
    expectPage(await get("/chunked"));
  });

  it("reads a body delimited by the server closing the connection", async () => {
    serve("/close", ["Connection: close"], PAGE, true);
    expectPage(await get("/close"));
  });

  it("calls a chunked body cut off by a FIN http_eof", async () => {
    serve("/chunked-cut", ["Transfer-Encoding: chunked"], Buffer.concat([Buffer.from("ffff\r\n"), PAGE.subarray(0, 100)]), true);
    const r = await get("/chunked-cut");
    expect(r.failure).toBe("http_eof");
    expect(r.status).toBe(200);
  });
});

describe("content codings", () => {
  it("decodes gzip", async () => {
    const body = zlib.gzipSync(PAGE);
    serve("/gzip", ["Content-Encoding: gzip", `Content-Length: ${body.length}`], body);
    const r = await get("/gzip");
    expectPage(r);
    expect(r.hops[0]!.headers["content-encoding"]).toBe("gzip");
  });

  it("decodes deflate, zlib-wrapped as the RFC says and raw as some servers send it", async () => {
    for (const [path, body] of [["/deflate", zlib.deflateSync(PAGE)], ["/deflate-raw", zlib.deflateRawSync(PAGE)]] as const) {
      serve(path, ["Content-Encoding: deflate", `Content-Length: ${body.length}`], body);
      expectPage(await get(path));
    }
  });

  it("decodes br", async () => {
    const body = zlib.brotliCompressSync(PAGE);
    serve("/br", ["Content-Encoding: br", `Content-Length: ${body.length}`], body);
    expectPage(await get("/br"));
  });

  it("decodes zstd (made by the zstd tool)", async () => {
    const body = execFileSync("zstd", ["-q", "-c", "-"], { input: PAGE });
    serve("/zstd", ["Content-Encoding: zstd", `Content-Length: ${body.length}`], body);
    expectPage(await get("/zstd"));
  });

  it("caps the decoded body, however small the compressed one", async () => {
    const big = Buffer.alloc(4 * 1024 * 1024, 0x61); // 4 MiB of "a" gzips to ~4 KiB
    const body = zlib.gzipSync(big);
    serve("/bomb", ["Content-Encoding: gzip", `Content-Length: ${body.length}`], body);
    const r = await get("/bomb");
    expect(r.failure).toBeNull();
    expect(r.hops[0]).toMatchObject({ bodyLength: 512 * 1024, bodyTruncated: true });
  });

  it("calls a body that does not decode http_error, keeping the status", async () => {
    const body = Buffer.from("this is not gzip at all, whatever the header says");
    serve("/bad-gzip", ["Content-Encoding: gzip", `Content-Length: ${body.length}`], body);
    const r = await get("/bad-gzip");
    expect(r.failure).toBe("http_error");
    expect(r.status).toBe(200);
    serve("/bad-gzip-close", ["Content-Encoding: gzip"], body, true); // close-delimited: the FIN is the body's end
    expect((await get("/bad-gzip-close")).failure).toBe("http_error");
  });

  it("leaves a coding it never asked for as sent", async () => {
    serve("/weird", ["Content-Encoding: compress", `Content-Length: ${PAGE.length}`], PAGE);
    expectPage(await get("/weird"));
  });
});
