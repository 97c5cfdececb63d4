// The TCP prober: can we complete a handshake with address:port, and how long did it take? A refused,
// reset, silent or unroutable endpoint is a result with a failure class, never a throw.
import { connect, isIP, type Socket } from "node:net";
import { performance } from "node:perf_hooks";
import { firesBy } from "./deadline.js";
import { durationSeconds } from "./duration.js";
import { socketSource } from "./local-address.js";
import type { Endpoint, ProbeOptions, Prober, TcpFailure, TcpResult } from "./types.js";

export type TcpOptions = ProbeOptions;

export type TcpOpenResult =
  | { ok: true; socket: Socket; connectTime: number; startedAt: number; connectedAt: number }
  | { ok: false; failure: TcpFailure; error: unknown };

/**
 * An open connection handed from the prober that measured its handshakes to the HTTP exchange that reuses it
 * (OONI LTE: one connection per address). Marks are performance.now() milliseconds; `tlsDone` is null for
 * cleartext. Whoever holds it must destroy the socket.
 */
export interface HeldConnection {
  socket: Socket;
  tcpStart: number;
  tcpDone: number;
  tlsDone: number | null;
}

export interface TcpConnectOptions extends TcpOptions {
  /** Hand back the open socket instead of closing it (the caller then owns it). */
  keepSocket?: boolean;
}

/** A TCP measurement and, when asked for and connected, the open connection. */
export interface TcpConnect {
  tcp: TcpResult;
  connection: HeldConnection | null;
}

/** Maps a socket error to a TCP failure class by its errno code. */
export function classifyTcpError(error: unknown): TcpFailure {
  switch ((error as NodeJS.ErrnoException | null)?.code) {
    case "ECONNREFUSED": return "tcp_refused";
    case "ECONNRESET": return "tcp_reset";
    case "ETIMEDOUT": return "tcp_timeout"; // the kernel gave up retransmitting the SYN
    case "EHOSTUNREACH":
    case "ENETUNREACH":
    case "EHOSTDOWN":
    case "ENETDOWN":
      return "tcp_unreachable";
    default: return "tcp_error";
  }
}

/** Checks the target is an IP literal and a port: resolving names is dns.ts's job, not ours. */
export function checkEndpoint(target: Endpoint): Endpoint {
  const host = target.host.replace(/^\[(.*)\]$/, "$1");
  if (isIP(host) === 0) throw new TypeError(`expected an IP address, got "${target.host}"`);
  if (!Number.isInteger(target.port) || target.port < 1 || target.port > 65535) {
    throw new TypeError(`bad port ${target.port}`);
  }
  return { host, port: target.port };
}

/**
 * Opens a TCP connection, for this prober and for tls.ts (which times its handshake from the moment this
 * resolves). On success the caller owns the socket and must destroy it.
 */
export function openTcp(target: Endpoint, options: TcpOptions): Promise<TcpOpenResult> {
  const { host, port } = checkEndpoint(target);
  const source = socketSource(options.localAddress, host);
  // The measured interface has no address of this family: no route from it, and no other route may stand in.
  if (source === null) return Promise.resolve({ ok: false, failure: "tcp_unreachable", error: new Error(`no local address for ${host}`) });
  return new Promise((resolve) => {
    const started = performance.now();
    const socket = connect({ host, port, ...source });
    let settled = false;
    const settle = (result: TcpOpenResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
      socket.off("error", onError);
      if (!result.ok) socket.destroy();
      resolve(result);
    };
    const onError = (error: Error) => settle({ ok: false, failure: classifyTcpError(error), error });
    // An abort from the caller is its deadline passing: reported like our own timeout.
    const onAbort = () => settle({ ok: false, failure: "tcp_timeout", error: new Error("aborted") });
    // No timer when the caller's deadline already ends the connect by then (deadline.ts).
    const timer = firesBy(options.signal, options.timeoutSeconds * 1000) ? undefined
      : setTimeout(() => settle({ ok: false, failure: "tcp_timeout", error: new Error("connect timeout") }), options.timeoutSeconds * 1000);
    socket.on("error", onError);
    options.signal?.addEventListener("abort", onAbort, { once: true });
    if (options.signal?.aborted) onAbort();
    socket.once("connect", () => {
      const connectedAt = performance.now();
      settle({ ok: true, socket, connectTime: durationSeconds(started, connectedAt), startedAt: started, connectedAt });
    });
  });
}

/** probeTcp's measurement, optionally keeping the connection open for an HTTP GET over it. */
export async function connectTcp(target: Endpoint, options: TcpConnectOptions): Promise<TcpConnect> {
  const { host, port } = checkEndpoint(target);
  const opened = await openTcp({ host, port }, options);
  if (!opened.ok) return { tcp: { address: host, port, failure: opened.failure, connectTime: null }, connection: null };
  const tcp: TcpResult = { address: host, port, failure: null, connectTime: opened.connectTime };
  if (!options.keepSocket) {
    opened.socket.destroy();
    return { tcp, connection: null };
  }
  // A reset while the socket waits for its GET must not crash the process; the GET will see the socket gone.
  opened.socket.on("error", () => undefined);
  return { tcp, connection: { socket: opened.socket, tcpStart: opened.startedAt, tcpDone: opened.connectedAt, tlsDone: null } };
}

export const probeTcp: Prober<Endpoint, TcpOptions, TcpResult> = async (target, options) =>
  (await connectTcp(target, options)).tcp;
