// One GET over a connection that is already open (TCP, or TLS with its handshake done), written as the
// browser profile says: HTTP/1.1 through node:http, which sends a flat header list in the given order and
// case, byte for byte (undici would lower-case every name); HTTP/2 through node:http2 when ALPN chose h2,
// with the browser's header order and SETTINGS. The response is decoded (gzip/deflate/br/zstd, as the
// profile's Accept-Encoding invites), read up to a cap, and timed. A network failure is a result with an
// http_* class, told apart by what the socket saw: a RST is http_reset, a FIN too early is http_eof.
import http from "node:http";
import http2 from "node:http2";
import type { Socket } from "node:net";
import { performance } from "node:perf_hooks";
import { pipeline, type Readable } from "node:stream";
import { h2RequestHeaders, http1Headers, type BrowserProfile } from "./browser-profile.js";
import { contentDecoder } from "./http-decode.js";
import type { HttpFailure } from "./types.js";

export type ResponseHeaders = Record<string, string | string[] | undefined>;

export interface ExchangeOptions {
  profile: BrowserProfile;
  userAgent?: string;
  /** Decoded body bytes kept; more makes the body truncated and stops the download. */
  maxBody: number;
  /** Fires at the check's deadline (or the caller's abort): the exchange ends as http_timeout. */
  signal: AbortSignal;
}

/** What came back, with the moments things happened (performance.now() milliseconds). */
export interface ExchangeOutcome {
  status: number | null;
  /** Response headers, names lower-cased. */
  headers: ResponseHeaders;
  headersAt: number | null;
  bodyEnd: number | null;
  body: Buffer;
  truncated: boolean;
  failure: HttpFailure | null;
}

// Chrome's HTTP/2 SETTINGS (header table, no push, 6 MiB stream window, 256 KiB header list).
const H2_CONNECTION_WINDOW = 15 * 1024 * 1024;
const H2_SETTINGS: http2.Settings = { headerTableSize: 65536, enablePush: false, initialWindowSize: 6291456, maxHeaderListSize: 262144 };

/** What the socket under the exchange saw: the evidence for reset vs EOF. */
interface SocketWatch {
  reset: boolean;
  ended: boolean;
  stop(): void;
}

function watch(socket: Socket): SocketWatch {
  const w = { reset: false, ended: false, stop: () => undefined as void };
  const onError = (e: NodeJS.ErrnoException) => {
    if (e.code === "ECONNRESET" || e.code === "EPIPE") w.reset = true;
  };
  const onEnd = () => {
    w.ended = true;
  };
  socket.on("error", onError);
  socket.on("end", onEnd);
  w.stop = () => {
    socket.off("error", onError);
    socket.off("end", onEnd);
  };
  return w;
}

/** A body that arrived but does not decode: the server's (or a middlebox's) doing, not the connection's. */
class UndecodableBody extends Error {}

function classify(w: SocketWatch, signal: AbortSignal, err: unknown): HttpFailure {
  if (signal.aborted) return "http_timeout";
  if (err instanceof UndecodableBody) return "http_error";
  if (w.reset) return "http_reset";
  const code = (err as NodeJS.ErrnoException | null)?.code ?? "";
  if (w.ended || code === "ECONNRESET" || code === "ERR_STREAM_PREMATURE_CLOSE") return "http_eof";
  return "http_error"; // a response no parser accepts, a body that does not decode, a stream reset by the server
}

/** Reads `source` (decoded when the response says so) up to `max` bytes. */
async function readBody(source: Readable, encoding: string | undefined, max: number, out: ExchangeOutcome): Promise<void> {
  const decoder = contentDecoder(encoding);
  let sourceError: unknown = null;
  if (decoder) {
    source.once("error", (e) => {
      sourceError = e;
    });
  }
  const stream: Readable = decoder ? pipeline(source, decoder, () => undefined) : source;
  const chunks: Buffer[] = [];
  let length = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      const room = max - length;
      if (chunk.length > room) {
        chunks.push(chunk.subarray(0, room));
        length += room;
        out.truncated = true;
        break; // destroys the streams: no more download
      }
      chunks.push(chunk);
      length += chunk.length;
    }
  } catch (err) {
    throw decoder && sourceError === null ? new UndecodableBody(String(err)) : err;
  } finally {
    out.body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, length);
  }
}

const single = (v: string | string[] | undefined) => (Array.isArray(v) ? v.join(", ") : v);

function exchangeHttp1(socket: Socket, url: URL, o: ExchangeOptions, out: ExchangeOutcome, w: SocketWatch): Promise<void> {
  return new Promise<void>((resolve) => {
    const req = http.request({
      createConnection: () => socket,
      method: "GET",
      path: `${url.pathname}${url.search}`,
      setHost: false,
      headers: http1Headers(o.profile, url, o.userAgent),
      // Browsers read what lenient servers and middleboxes send; a block page is no less a page for a bad header.
      insecureHTTPParser: true,
    });
    const onAbort = () => req.destroy(new Error("deadline"));
    o.signal.addEventListener("abort", onAbort, { once: true });
    const finish = () => {
      o.signal.removeEventListener("abort", onAbort);
      resolve();
    };
    req.on("error", (err) => {
      if (out.status !== null) return; // readBody reports it
      out.failure = classify(w, o.signal, err);
      finish();
    });
    req.once("response", (res) => {
      out.headersAt = performance.now();
      out.status = res.statusCode ?? null;
      out.headers = res.headers;
      readBody(res, single(res.headers["content-encoding"]), o.maxBody, out).then(
        () => undefined,
        (err: unknown) => {
          out.failure = classify(w, o.signal, err); // headers came, the body did not finish
        },
      ).finally(() => {
        out.bodyEnd = performance.now();
        finish();
      });
    });
    if (o.signal.aborted) onAbort();
    req.end();
  });
}

function exchangeHttp2(socket: Socket, url: URL, o: ExchangeOptions, out: ExchangeOutcome, w: SocketWatch): Promise<void> {
  return new Promise<void>((resolve) => {
    const session = http2.connect(url.origin, { createConnection: () => socket, settings: H2_SETTINGS });
    session.on("error", () => undefined); // the stream reports it
    // Chrome opens the connection window to 15 MiB right after its SETTINGS (WINDOW_UPDATE +15663105).
    session.once("connect", () => session.setLocalWindowSize(H2_CONNECTION_WINDOW));
    const headers: http2.OutgoingHttpHeaders = {};
    for (const [name, value] of h2RequestHeaders(o.profile, url, o.userAgent)) headers[name] = value;
    const stream = session.request(headers, { endStream: true });
    const onAbort = () => stream.destroy(new Error("deadline"));
    o.signal.addEventListener("abort", onAbort, { once: true });
    let settled = false;
    const finish = () => {
      if (settled) return;
      settled = true;
      o.signal.removeEventListener("abort", onAbort);
      session.destroy();
      resolve();
    };
    stream.on("error", (err) => {
      if (out.status !== null) return; // readBody reports it
      out.failure = classify(w, o.signal, err);
      finish();
    });
    stream.once("close", () => {
      if (out.status === null) {
        out.failure ??= classify(w, o.signal, null);
        finish();
      }
    });
    stream.once("response", (h) => {
      out.headersAt = performance.now();
      out.status = Number(h[":status"]);
      const { [":status"]: _status, ...rest } = h;
      out.headers = rest as ResponseHeaders;
      let endStream = false; // the server's END_STREAM; a dying session ends the stream without it, silently
      stream.once("end", () => {
        endStream = true;
      });
      readBody(stream, single(rest["content-encoding"]), o.maxBody, out).then(
        () => {
          if (!endStream && !out.truncated) out.failure = classify(w, o.signal, null);
        },
        (err: unknown) => {
          out.failure = classify(w, o.signal, err);
        },
      ).finally(() => {
        out.bodyEnd = performance.now();
        finish();
      });
    });
    if (o.signal.aborted) onAbort();
  });
}

/**
 * GET `url` over `socket` (HTTP/2 when `h2`, else HTTP/1.1) and read the response. The caller owns the
 * socket and destroys it afterwards.
 */
export async function exchangeOver(socket: Socket, h2: boolean, url: URL, o: ExchangeOptions): Promise<ExchangeOutcome> {
  const out: ExchangeOutcome = {
    status: null, headers: {}, headersAt: null, bodyEnd: null, body: Buffer.alloc(0), truncated: false, failure: null,
  };
  const w = watch(socket);
  try {
    await (h2 ? exchangeHttp2 : exchangeHttp1)(socket, url, o, out, w);
  } finally {
    w.stop();
  }
  return out;
}
