// One hop of an HTTP fetch: the connection (handed in, or made and classified exactly as the tcp and tls
// probers make and classify theirs, so a hop failure is named as a first-connection failure is), the GET in
// the browser's bytes (http-exchange.ts), and the hop's record: status, kept headers, decoded body's length,
// hash and title, phases, and a block-page match.
import { createHash } from "node:crypto";
import { performance } from "node:perf_hooks";
import type { TLSSocket } from "node:tls";
import { detectBlockPage, type CompiledFingerprint } from "./blockpage.js";
import type { BrowserProfile } from "./browser-profile.js";
import { durationSeconds, roundSeconds } from "./duration.js";
import { exchangeOver, type ExchangeOutcome, type ResponseHeaders } from "./http-exchange.js";
import { urlPort } from "./http-connect.js";
import type { LocalAddress } from "./local-address.js";
import { decodeBody, extractTitle } from "./html.js";
import { connectTcp, type HeldConnection } from "./tcp.js";
import { handshakeTls } from "./tls.js";
import type { CaOption } from "./tls-context.js";
import type { BlockPageMatch, FetchFailure, HttpHop } from "./types.js";

/** Response headers kept in results: the ones that tell servers, caches and middleboxes apart. */
export const KEPT_HEADERS = [
  "server", "content-type", "content-length", "content-encoding", "location", "via", "x-cache",
  "x-served-by", "x-powered-by", "cf-ray", "age",
] as const;

function headerValue(headers: ResponseHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(", ") : v;
}

function keptHeaders(headers: ResponseHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of KEPT_HEADERS) {
    const v = headerValue(headers, name);
    if (v !== undefined) out[name] = v;
  }
  return out;
}

export interface HopOutcome {
  hop: HttpHop;
  /** Seconds of a reused connection's handshakes, which ran before the hop started (0 on a fresh one). */
  setup: number;
  location: string | null;
  blockPage: BlockPageMatch | null;
}

export function emptyHop(url: URL, address: string | null, failure: FetchFailure, total: number,
  connect: number | null = null): HttpHop {
  return {
    url: url.href, address, status: null, headers: {}, bodyLength: 0, bodySha256: null, bodyTruncated: false, title: null,
    failure, phases: { dns: null, connect, tls: null, firstByte: null, download: null, total },
  };
}

/** Everything one hop shares with the others: what to send and trust, and the one deadline of the whole fetch. */
export interface FetchContext {
  profile: BrowserProfile;
  userAgent?: string;
  ca?: CaOption;
  fingerprints?: readonly CompiledFingerprint[];
  maxBody: number;
  signal: AbortSignal;
  /** Source addresses every hop's connection binds to (local-address.ts). */
  localAddress?: LocalAddress;
  /** Seconds left before the deadline. */
  remaining(): number;
}

/** A fresh connection for a hop, made and classified as the tcp and tls probers make and classify theirs. */
async function openConnection(url: URL, address: string, ctx: FetchContext):
  Promise<{ connection: HeldConnection } | { failure: FetchFailure; connect: number | null }> {
  const port = urlPort(url);
  const common = { timeoutSeconds: ctx.remaining(), signal: ctx.signal, keepSocket: true, localAddress: ctx.localAddress };
  if (url.protocol !== "https:") {
    const r = await connectTcp({ host: address, port }, common);
    return r.connection ? { connection: r.connection } : { failure: r.tcp.failure ?? "tcp_error", connect: null };
  }
  const serverName = url.hostname.replace(/^\[|\]$/g, "");
  const r = await handshakeTls({ host: address, port, serverName }, { ...common, ca: ctx.ca });
  if (r.tcp.failure !== null) return { failure: r.tcp.failure, connect: null };
  if (r.tls.failure !== null || !r.connection) {
    r.connection?.socket.destroy();
    return { failure: r.tls.failure ?? "tls_error", connect: r.tcp.connectTime };
  }
  return { connection: r.connection };
}

export async function fetchHop(url: URL, address: string, ctx: FetchContext, held: HeldConnection | undefined): Promise<HopOutcome> {
  const https = url.protocol === "https:";
  const start = performance.now();
  const usable = held && !held.socket.destroyed && https === (held.tlsDone !== null);
  if (held && !usable) held.socket.destroy();
  let connection = usable ? held : undefined;
  if (!connection) {
    const opened = await openConnection(url, address, ctx);
    if ("failure" in opened) {
      const hop = emptyHop(url, address, opened.failure, durationSeconds(start, performance.now()), opened.connect);
      return { hop, location: null, blockPage: null, setup: 0 };
    }
    connection = opened.connection;
  }
  const reused = connection === held;
  const requested = performance.now();
  const h2 = https && (connection.socket as TLSSocket).alpnProtocol === "h2";
  let x: ExchangeOutcome;
  try {
    x = await exchangeOver(connection.socket, h2, url, {
      profile: ctx.profile, userAgent: ctx.userAgent, maxBody: ctx.maxBody, signal: ctx.signal,
    });
  } finally {
    connection.socket.destroy();
  }
  const end = performance.now();
  const answered = x.status !== null;
  const text = answered ? decodeBody(x.body, headerValue(x.headers, "content-type")) : "";
  const title = answered ? extractTitle(text) : null;
  const location = headerValue(x.headers, "location") ?? null;
  const ready = connection.tlsDone ?? connection.tcpDone; // connection usable from here
  // A reused connection was ready before the request: its wait for the request is nobody's phase, so first
  // byte counts from the request and the total is its handshakes plus the exchange.
  const setup = reused ? (ready - connection.tcpStart) / 1000 : 0;
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
    // The schema's key order (phases, then headerNames): the collector then stores the hop without zod's copy.
    phases: {
      dns: null, // our caller resolved
      connect: durationSeconds(connection.tcpStart, connection.tcpDone),
      tls: https ? durationSeconds(connection.tcpDone, connection.tlsDone) : null,
      firstByte: durationSeconds(reused ? requested : ready, x.headersAt),
      download: durationSeconds(x.headersAt, x.bodyEnd),
      total: roundSeconds((end - (reused ? requested : start)) / 1000 + setup),
    },
    headerNames: Object.keys(x.headers).map((n) => n.toLowerCase()),
  };
  const evidence = { title, body: text, headers: x.headers, location: location === null ? null : resolveLocation(url, location), addresses: [address] };
  const blockPage = ctx.fingerprints?.length ? detectBlockPage(evidence, ctx.fingerprints) : null;
  return { hop, location, blockPage, setup };
}

export function resolveLocation(base: URL, location: string): string {
  try {
    return new URL(location, base).href;
  } catch {
    return location;
  }
}
