// The connection under one HTTP exchange: TCP (and TLS) to an address our caller already resolved, never one
// undici would look up itself, so DNS and HTTP are judged separately. The URL's host still goes into the Host
// header (undici takes it from the origin) and into SNI (set here). Handshakes are timed as they happen.
// Used by throughput.ts (http.ts makes its own connections, as the tcp and tls probers do, and uses urlPort
// from here). A connection another prober already opened (and measured) to the same
// address can be handed in: the exchange then runs over it instead of opening its own (OONI LTE does the
// same: one connection per address, the chosen one fetches the page).
import net from "node:net";
import tls from "node:tls";
import { performance } from "node:perf_hooks";
import { Client } from "undici";
import type { buildConnector } from "undici";
import { socketSource, type LocalAddress } from "./local-address.js";
import type { HeldConnection } from "./tcp.js";
import { secureContextFor } from "./tls-context.js";
import { leafOnlyIdentityCheck } from "./tls-identity.js";

/** Where the exchange got to, and when (performance.now() milliseconds). */
export interface ConnectionTrace {
  tcpStart: number | null;
  tcpDone: number | null;
  tlsDone: number | null;
  /** True when the exchange ran over a handed-in connection: the marks above are that connection's. */
  reused: boolean;
  /** The sockets opened, so a timed-out exchange can be torn down even mid-handshake. */
  sockets: net.Socket[];
}

export interface PinnedTarget {
  /** The URL being fetched; its host name (already punycode via WHATWG URL) goes into Host and SNI. */
  url: URL;
  /** The IP address to connect to. */
  address: string;
  /** Extra trusted CA certificates (PEM) for https. */
  ca?: string | Buffer | Array<string | Buffer>;
  /**
   * An open connection to `address` (TLS for https) to send the request over; if it is gone by the time the
   * request starts, a fresh connection is made as without it.
   */
  connection?: HeldConnection;
  /** Source addresses to bind to (local-address.ts); without one of the address's family, ENETUNREACH. */
  localAddress?: LocalAddress;
}

export function newTrace(): ConnectionTrace {
  return { tcpStart: null, tcpDone: null, tlsDone: null, reused: false, sockets: [] };
}

/** The port a URL talks to: explicit, else the scheme's default. */
export function urlPort(url: URL): number {
  if (url.port !== "") return Number(url.port);
  return url.protocol === "https:" ? 443 : 80;
}

/** Host name without IPv6 brackets; SNI must not carry an IP literal (RFC 6066 §3). */
function sniFor(url: URL): string | undefined {
  const host = url.hostname.replace(/^\[|\]$/g, "");
  return net.isIP(host) === 0 ? host : undefined;
}

function pinnedConnector(target: PinnedTarget, trace: ConnectionTrace): buildConnector.connector {
  let held = target.connection;
  return (_opts, callback) => {
    const reuse = held;
    held = undefined; // one use: a second connect (undici retrying) makes a fresh connection
    if (reuse && !reuse.socket.destroyed && (target.url.protocol === "https:") === (reuse.tlsDone !== null)) {
      trace.tcpStart = reuse.tcpStart;
      trace.tcpDone = reuse.tcpDone;
      trace.tlsDone = reuse.tlsDone;
      trace.reused = true;
      trace.sockets.push(reuse.socket);
      // Never call back synchronously: undici's dispatch loop is still running and would not see the socket.
      process.nextTick(() => callback(null, reuse.socket));
      return;
    }
    reuse?.socket.destroy();
    const port = urlPort(target.url);
    trace.tcpStart = performance.now();
    const source = socketSource(target.localAddress, target.address);
    if (source === null) {
      const err = Object.assign(new Error(`no local address for ${target.address}`), { code: "ENETUNREACH" });
      process.nextTick(() => callback(err, null));
      return;
    }
    const tcp = net.connect({ host: target.address, port, ...source });
    trace.sockets.push(tcp);
    let settled = false;
    const fail = (err: Error) => {
      if (settled) return;
      settled = true;
      tcp.destroy();
      callback(err, null);
    };
    tcp.once("error", fail);
    tcp.once("connect", () => {
      trace.tcpDone = performance.now();
      if (target.url.protocol !== "https:") {
        tcp.removeListener("error", fail);
        settled = true;
        callback(null, tcp);
        return;
      }
      const servername = sniFor(target.url);
      const secure = tls.connect({
        socket: tcp,
        ...(servername === undefined ? {} : { servername }),
        // Verification checks the certificate against the URL's name even when SNI is omitted (IP URLs).
        checkServerIdentity: (_host, cert) => tls.checkServerIdentity(target.url.hostname.replace(/^\[|\]$/g, ""), cert),
        ALPNProtocols: ["http/1.1"],
        secureContext: secureContextFor(target.ca),
      });
      leafOnlyIdentityCheck(secure);
      trace.sockets.push(secure);
      secure.once("error", fail);
      secure.once("secureConnect", () => {
        trace.tlsDone = performance.now();
        secure.removeListener("error", fail);
        tcp.removeListener("error", fail);
        settled = true;
        callback(null, secure);
      });
    });
  };
}

/**
 * A one-shot undici Client whose only connection goes to `target.address`. Nothing is pooled across checks:
 * every check pays (and measures) its own TCP and TLS handshakes. Timeouts are the caller's (one deadline
 * per exchange via AbortSignal), so undici's own are switched off.
 */
export function pinnedClient(target: PinnedTarget, trace: ConnectionTrace): Client {
  return new Client(target.url.origin, {
    connect: pinnedConnector(target, trace),
    // Keep-alive stays on (the default) although the Client serves one request: with "connection: close"
    // undici reads a TCP reset after the headers as the end of the body, and a reset would pass as EOF.
    pipelining: 1,
    headersTimeout: 0,
    bodyTimeout: 0,
    maxResponseSize: -1,
  });
}

// Passed to client.destroy(): undici would otherwise build a ClientDestroyedError per exchange, and the stream
// it destroys reads the error's stack (formatted through source maps under tsx): ~4% of a site check's CPU.
const EXCHANGE_OVER = new Error("exchange over");

/** Close everything an exchange opened, whatever state it is in. */
export async function teardown(client: Client, trace: ConnectionTrace): Promise<void> {
  if (trace.reused) {
    // A handed-in socket is connected (maybe HTTP/2): undici's HTTP/2 session must close before its socket,
    // or undici 7 throws from the session's close handler.
    await client.destroy(EXCHANGE_OVER).catch(() => undefined);
    for (const s of trace.sockets) s.destroy();
    return;
  }
  for (const s of trace.sockets) s.destroy();
  await client.destroy(EXCHANGE_OVER).catch(() => undefined);
}

/** The stage an exchange failed in, read from how far the trace got. */
export function failedStage(trace: ConnectionTrace, https: boolean): "tcp" | "tls" | "http" {
  if (trace.tcpDone === null) return "tcp";
  if (https && trace.tlsDone === null) return "tls";
  return "http";
}

/** The error code Node or undici attached, looking one level into `cause`. */
export function errorCode(err: unknown): string {
  const e = err as { code?: unknown; cause?: { code?: unknown } } | null;
  if (typeof e?.code === "string") return e.code;
  if (typeof e?.cause?.code === "string") return e.cause.code;
  return "";
}

export const CERT_EXPIRED_CODES = new Set(["CERT_HAS_EXPIRED", "CERT_NOT_YET_VALID"]);
export const CERT_HOSTNAME_CODES = new Set(["ERR_TLS_CERT_ALTNAME_INVALID", "HOSTNAME_MISMATCH"]);
export const CERT_UNTRUSTED_CODES = new Set([
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_UNTRUSTED",
  "CERT_SIGNATURE_FAILURE",
]);
