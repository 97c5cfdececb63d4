// The TCP prober: can we complete a handshake with address:port, and how long did it take? A refused,
// reset, silent or unroutable endpoint is a result with a failure class, never a throw.
import { connect, isIP, type Socket } from "node:net";
import { performance } from "node:perf_hooks";
import type { Endpoint, ProbeOptions, Prober, TcpFailure, TcpResult } from "./types.js";

export type TcpOptions = ProbeOptions;

export type TcpOpenResult =
  | { ok: true; socket: Socket; connectTime: number }
  | { ok: false; failure: TcpFailure; error: unknown };

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
  return new Promise((resolve) => {
    const started = performance.now();
    const socket = connect({ host, port });
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
    const timer = setTimeout(() => settle({ ok: false, failure: "tcp_timeout", error: new Error("connect timeout") }),
      options.timeoutSeconds * 1000);
    socket.on("error", onError);
    options.signal?.addEventListener("abort", onAbort, { once: true });
    if (options.signal?.aborted) onAbort();
    socket.once("connect", () => settle({ ok: true, socket, connectTime: (performance.now() - started) / 1000 }));
  });
}

export const probeTcp: Prober<Endpoint, TcpOptions, TcpResult> = async (target, options) => {
  const { host, port } = checkEndpoint(target);
  const opened = await openTcp({ host, port }, options);
  if (!opened.ok) return { address: host, port, failure: opened.failure, connectTime: null };
  opened.socket.destroy();
  return { address: host, port, failure: null, connectTime: opened.connectTime };
};
