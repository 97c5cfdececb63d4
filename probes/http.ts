// HTTP GET of one URL, pinned to an address the caller resolved, following redirects by hand so that every
// redirect hop is measured on its own fresh connection (connect, TLS, first byte, download). The first hop
// can instead reuse a connection the caller already opened and measured (web.ts: one connection per
// address). Network failures are results with an http_* failure class, never exceptions. Bodies are read
// up to a cap (512 KiB, as OONI) and fingerprinted for block pages.
import { createHash } from "node:crypto";
import { isIP } from "node:net";
import { performance } from "node:perf_hooks";
import type { Dispatcher } from "undici";
import { detectBlockPage } from "./blockpage.js";
import type { CompiledFingerprint } from "./blockpage.js";
import { decodeBody, extractTitle } from "./html.js";
import { errorCode, newTrace, pinnedClient, teardown, urlPort } from "./http-connect.js";
import type { ConnectionTrace } from "./http-connect.js";
import type { HeldConnection } from "./tcp.js";
import type { BlockPageMatch, HttpFailure, HttpHop, HttpResult, ProbeOptions, Prober } from "./types.js";

export interface HttpTarget {
  /** http:// or https:// URL; IDN hosts are sent punycoded (Host and SNI). */
  url: string;
  /** The address our caller resolved for the URL's host: we connect there and nowhere else. */
  address: string;
}

export interface HttpOptions extends ProbeOptions {
  /**
   * Address for a redirect to another host, asked for IP-literal hosts too (it may refuse one: the test
   * helper's SSRF policy). Without it a literal is used as is; a name (or a null answer) ends the check: the
   * last hop has `address: null` and failure `http_error`.
   */
  resolve?: (host: string) => Promise<string | null>;
  /** Extra trusted CA certificates (PEM) for https. */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Redirects followed at most; 10 by default (as OONI). */
  maxRedirects?: number;
  /** Body bytes read per hop; 512 KiB by default. */
  maxBodyBytes?: number;
  userAgent?: string;
  /** Block-page fingerprints checked on every hop (see blockpage.ts loadFingerprints). */
  fingerprints?: readonly CompiledFingerprint[];
  /**
   * An open connection to `target.address` on the URL's port (TLS for https, handshake done and certificate
   * checked by the caller) for the first hop; probeHttp owns it from here and closes it. The hop's connect and
   * tls phases are then that connection's own, and its total adds them to the exchange.
   */
  connection?: HeldConnection;
}

export const DEFAULT_MAX_BODY_BYTES = 512 * 1024;
export const DEFAULT_MAX_REDIRECTS = 10;
// A common desktop browser, as OONI does: some filters only intercept what looks like a person.
export const DEFAULT_USER_AGENT = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/128.0 Safari/537.36";

/** Response headers kept in results: the ones that tell servers, caches and middleboxes apart. */
export const KEPT_HEADERS = [
  "server", "content-type", "content-length", "content-encoding", "location", "via", "x-cache",
  "x-served-by", "x-powered-by", "cf-ray", "age",
] as const;

type IncomingHttpHeaders = Dispatcher.ResponseData["headers"];

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const seconds = (from: number | null, to: number | null): number | null =>
  from === null || to === null ? null : Math.max(0, (to - from) / 1000);

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(", ") : v;
}

function keptHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of KEPT_HEADERS) {
    const v = headerValue(headers, name);
    if (v !== undefined) out[name] = v;
  }
  return out;
}

/** Why an exchange failed, in HTTP terms (TCP/TLS detail is the tcp and tls probers' job). */
function classify(err: unknown, timedOut: boolean): HttpFailure {
  if (timedOut) return "http_timeout";
  const code = errorCode(err);
  if (code === "ECONNRESET" || code === "EPIPE") return "http_reset";
  if (code === "UND_ERR_SOCKET" || code === "UND_ERR_RES_CONTENT_LENGTH_MISMATCH") return "http_eof";
  if (code === "ETIMEDOUT" || code.startsWith("UND_ERR_") && code.endsWith("TIMEOUT")) return "http_timeout";
  return "http_error";
}

interface HopOutcome {
  hop: HttpHop;
  /** Seconds of a reused connection's handshakes, which ran before the hop started (0 on a fresh one). */
  setup: number;
  location: string | null;
  blockPage: BlockPageMatch | null;
}

function emptyHop(url: URL, address: string | null, failure: HttpFailure, total: number): HttpHop {
  return {
    url: url.href, address, status: null, headers: {}, bodyLength: 0, bodySha256: null, bodyTruncated: false, title: null,
    failure, phases: { dns: null, connect: null, tls: null, firstByte: null, download: null, total },
  };
}

/** What came back on the wire for one request, with the moments things happened (performance.now()). */
interface Exchange {
  trace: ConnectionTrace;
  start: number;
  end: number;
  status: number | null;
  headers: IncomingHttpHeaders;
  headersAt: number | null;
  bodyEnd: number | null;
  body: Buffer;
  truncated: boolean;
  failure: HttpFailure | null;
}

/** Read a body up to `max` bytes; past that, stop (breaking out destroys the stream: no more download). */
async function readCapped(body: AsyncIterable<Buffer>, max: number, into: { chunks: Buffer[]; length: number; truncated: boolean }) {
  for await (const chunk of body) {
    const room = max - into.length;
    if (chunk.length > room) {
      into.chunks.push(chunk.subarray(0, room));
      into.length += room;
      into.truncated = true;
      break;
    }
    into.chunks.push(chunk);
    into.length += chunk.length;
  }
}

/**
 * One GET on a pinned connection (`connection`, else a fresh one), bounded by `timeoutSeconds` from start to
 * the end of the body.
 */
async function exchange(url: URL, address: string, options: HttpOptions, maxBody: number,
  connection: HeldConnection | undefined): Promise<Exchange> {
  const trace = newTrace();
  const start = performance.now();
  const client = pinnedClient({
    url, address, ...(options.ca === undefined ? {} : { ca: options.ca }), ...(connection === undefined ? {} : { connection }),
  }, trace);
  const abort = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    abort.abort();
  }, options.timeoutSeconds * 1000);
  const onOuterAbort = () => abort.abort();
  if (options.signal?.aborted) abort.abort();
  options.signal?.addEventListener("abort", onOuterAbort, { once: true });

  const out: Exchange = {
    trace, start, end: start, status: null, headers: {}, headersAt: null, bodyEnd: null, body: Buffer.alloc(0), truncated: false, failure: null,
  };
  const read = { chunks: [] as Buffer[], length: 0, truncated: false };
  try {
    const res = await client.request({
      path: `${url.pathname}${url.search}`,
      method: "GET",
      headers: {
        "user-agent": options.userAgent ?? DEFAULT_USER_AGENT,
        accept: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
        "accept-language": "en-US;q=0.8,en;q=0.5",
      },
      signal: abort.signal,
    });
    out.headersAt = performance.now();
    out.status = res.statusCode;
    out.headers = res.headers;
    try {
      await readCapped(res.body as AsyncIterable<Buffer>, maxBody, read);
    } catch (err) {
      out.failure = classify(err, timedOut); // headers came, the body did not finish
    }
    out.bodyEnd = performance.now();
  } catch (err) {
    out.failure = classify(err, timedOut);
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener("abort", onOuterAbort);
    await teardown(client, trace);
  }
  out.end = performance.now();
  out.body = Buffer.concat(read.chunks);
  out.truncated = read.truncated;
  return out;
}

async function fetchHop(url: URL, address: string, options: HttpOptions, maxBody: number,
  connection: HeldConnection | undefined): Promise<HopOutcome> {
  const x = await exchange(url, address, options, maxBody, connection);
  const https = url.protocol === "https:";
  const answered = x.status !== null;
  const text = answered ? decodeBody(x.body, headerValue(x.headers, "content-type")) : "";
  const title = answered ? extractTitle(text) : null;
  const location = headerValue(x.headers, "location") ?? null;
  const ready = https ? x.trace.tlsDone : x.trace.tcpDone; // connection usable from here
  // A reused connection was ready before the request: its wait for the request is nobody's phase, so first
  // byte counts from the request and the total is its handshakes plus the exchange.
  const setup = x.trace.reused ? seconds(x.trace.tcpStart, ready) ?? 0 : 0;
  const hop: HttpHop = {
    url: url.href,
    address,
    status: x.status,
    headers: keptHeaders(x.headers),
    bodyLength: x.body.length,
    bodySha256: answered ? createHash("sha256").update(x.body).digest("hex") : null,
    bodyTruncated: x.truncated,
    title,
    failure: x.failure,
    headerNames: Object.keys(x.headers).map((n) => n.toLowerCase()),
    phases: {
      dns: null, // our caller resolved
      connect: seconds(x.trace.tcpStart, x.trace.tcpDone),
      tls: https ? seconds(x.trace.tcpDone, x.trace.tlsDone) : null,
      firstByte: seconds(x.trace.reused ? x.start : ready, x.headersAt),
      download: seconds(x.headersAt, x.bodyEnd),
      total: (x.end - x.start) / 1000 + setup,
    },
  };
  const evidence = { title, body: text, headers: x.headers, location: location === null ? null : resolveLocation(url, location), addresses: [address] };
  const blockPage = options.fingerprints?.length ? detectBlockPage(evidence, options.fingerprints) : null;
  return { hop, location, blockPage, setup };
}

function resolveLocation(base: URL, location: string): string {
  try {
    return new URL(location, base).href;
  } catch {
    return location;
  }
}

const sameHost = (a: URL, b: URL) => a.hostname === b.hostname;

/** The address for a redirect to another host: the caller's resolver (IP literals too, so it may refuse one). */
async function addressFor(url: URL, options: HttpOptions): Promise<string | null> {
  const host = url.hostname.replace(/^\[|\]$/g, "");
  if (!options.resolve) return isIP(host) !== 0 ? host : null;
  return options.resolve(host).catch(() => null);
}

/** A handed-in connection must go where the first hop would connect: anything else is a caller's bug. */
function checkHeldConnection(url: URL, address: string, held: HeldConnection | undefined): void {
  if (!held || held.socket.destroyed) return;
  const to = `${held.socket.remoteAddress}:${held.socket.remotePort}`;
  if (held.socket.remoteAddress !== address.replace(/^\[|\]$/g, "") || held.socket.remotePort !== urlPort(url)) {
    held.socket.destroy();
    throw new TypeError(`probeHttp: the connection given goes to ${to}, not to ${address}:${urlPort(url)}`);
  }
}

/**
 * GET `target.url` from `target.address`, following up to `maxRedirects` redirects. A redirect loop or too
 * many redirects ends with `http_too_many_redirects`. Rejects only for bad arguments (an unparsable URL or a
 * scheme other than http/https).
 */
export const probeHttp: Prober<HttpTarget, HttpOptions, HttpResult> = async (target, options) => {
  let url = new URL(target.url);
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error(`probeHttp: unsupported scheme ${url.protocol}`);
  checkHeldConnection(url, target.address, options.connection);
  const maxRedirects = options.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
  const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const start = performance.now();
  const hops: HttpHop[] = [];
  const visited = new Set<string>();
  let address: string | null = target.address;
  let blockPage: BlockPageMatch | null = null;
  let failure: HttpFailure | null = null;
  let connection = options.connection; // first hop only
  let setup = 0; // handshake time of a reused connection, which ran before this call

  for (;;) {
    visited.add(url.href);
    if (address === null) {
      hops.push(emptyHop(url, null, "http_error", 0));
      failure = "http_error";
      break;
    }
    const { hop, location, blockPage: match, setup: hopSetup } = await fetchHop(url, address, options, maxBody, connection);
    if (connection && !connection.socket.destroyed) connection.socket.destroy(); // not taken (e.g. gone): ours to close
    setup += hopSetup;
    connection = undefined;
    hops.push(hop);
    blockPage ??= match;
    if (hop.failure !== null) {
      failure = hop.failure;
      break;
    }
    if (hop.status === null || !REDIRECT_STATUSES.has(hop.status) || location === null) break;
    let next: URL;
    try {
      next = new URL(location, url);
    } catch {
      failure = "http_error"; // a Location no browser could follow
      break;
    }
    if (next.protocol !== "http:" && next.protocol !== "https:") {
      failure = "http_error";
      break;
    }
    if (visited.has(next.href) || hops.length > maxRedirects) {
      failure = "http_too_many_redirects";
      break;
    }
    if (!sameHost(url, next)) address = await addressFor(next, options);
    url = next;
  }
  const last = hops[hops.length - 1];
  return {
    url: target.url,
    finalUrl: last?.url ?? url.href,
    hops,
    status: last?.status ?? null,
    failure,
    blockPage,
    time: (performance.now() - start) / 1000 + setup,
  };
};
