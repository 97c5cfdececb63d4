// The TLS prober: TCP connect, then a TLS handshake with SNI and ALPN, timed from TCP established to
// handshake finished (OONI's throttling signal: a censor that slows or kills ClientHellos shows here).
// Certificates are checked after the handshake rather than by aborting it, so a bad certificate still yields
// the negotiated protocol and a summary of what the server presented.
//
// tls.ts's TlsResult carries only tls_* classes: if the TCP connect itself fails, it is tls_error with
// handshakeTime null. handshakeTls also returns the TCP result of the same connect (tcp_* class, connect
// time), so a site check needs no separate TCP connection, and can keep the socket for its HTTP GET.
import { X509Certificate } from "node:crypto";
import { isIP } from "node:net";
import { performance } from "node:perf_hooks";
import { checkServerIdentity, connect as tlsConnect, type ConnectionOptions, type PeerCertificate, type TLSSocket } from "node:tls";
import { firesBy } from "./deadline.js";
import { durationSeconds } from "./duration.js";
import { toAsciiHostname } from "./idn.js";
import { checkEndpoint, openTcp, type HeldConnection } from "./tcp.js";
import { secureContextFor, type CaOption } from "./tls-context.js";
import { leafOnlyIdentityCheck } from "./tls-identity.js";
import type { Endpoint, ProbeOptions, Prober, TcpResult, TlsFailure, TlsResult } from "./types.js";

export interface TlsTarget extends Endpoint {
  /** The name sent as SNI and checked against the certificate (IDN converted to punycode). */
  serverName: string;
}

export interface TlsOptions extends ProbeOptions {
  /** ALPN protocols offered; default ["h2", "http/1.1"]. */
  alpn?: string[];
  /** Trusted CA certificates (PEM). Replaces the built-in root store, like curl --cacert. */
  ca?: CaOption;
}

export interface TlsHandshakeOptions extends TlsOptions {
  /**
   * Hand back the socket when the handshake completed (whatever the certificate): the caller owns it and
   * must destroy it. Without it the socket is closed right after the handshake.
   */
  keepSocket?: boolean;
}

/** One connection's TCP connect and TLS handshake, as tcp.ts and probeTls would report them. */
export interface TlsHandshake {
  tcp: TcpResult;
  tls: TlsResult;
  /** The open TLS connection, when `keepSocket` was asked and the handshake completed. */
  connection: HeldConnection | null;
}

const EXPIRED = new Set(["CERT_HAS_EXPIRED", "CERT_NOT_YET_VALID"]); // either way: outside its validity period
const HOSTNAME = new Set(["ERR_TLS_CERT_ALTNAME_INVALID", "HOSTNAME_MISMATCH"]);

/** Maps a certificate verification code (OpenSSL's, or node's hostname check) to a failure class. */
export function classifyCertificateError(code: string): TlsFailure {
  if (EXPIRED.has(code)) return "tls_cert_expired";
  if (HOSTNAME.has(code)) return "tls_cert_hostname";
  return "tls_cert_untrusted"; // self-signed, unknown issuer, bad signature, revoked, …
}

/** Maps a handshake error: a RST is tls_reset, a FIN before the handshake finished is tls_eof. */
export function classifyTlsError(error: unknown): TlsFailure {
  const err = error as NodeJS.ErrnoException | null;
  if (err?.code === "ECONNRESET" || err?.code === "EPIPE") {
    // Node reports a clean close mid-handshake as ECONNRESET too, but without a failing syscall.
    return err.syscall === undefined && /disconnected before secure TLS/.test(err.message) ? "tls_eof" : "tls_reset";
  }
  return "tls_error";
}

/** One SAN entry without its type prefix; IPv6 in its short form (node prints 0:0:0:0:0:0:0:1 for ::1). */
function altName(entry: string): string {
  const value = entry.replace(/^(DNS|IP Address|email|URI):/, "").replace(/^"(.*)"$/, "$1");
  return entry.startsWith("IP Address:") && isIP(value) === 6 ? new URL(`http://[${value}]/`).hostname.slice(1, -1) : value;
}

function summarise(cert: X509Certificate): NonNullable<TlsResult["certificate"]> {
  const altNames = (cert.subjectAltName ?? "")
    .split(/, (?=[A-Za-z ]+:)/)
    .filter((entry) => entry !== "")
    .map(altName);
  return {
    subject: cert.subject.split("\n").join(", "),
    issuer: cert.issuer.split("\n").join(", "),
    validFrom: new Date(cert.validFrom).toISOString(),
    validTo: new Date(cert.validTo).toISOString(),
    altNames,
    fingerprint256: cert.fingerprint256,
  };
}

/** TCP connect, then TLS handshake, on one connection; never rejects for what the network did. */
export async function handshakeTls(target: TlsTarget, options: TlsHandshakeOptions): Promise<TlsHandshake> {
  const { host, port } = checkEndpoint(target);
  const serverName = toAsciiHostname(target.serverName);
  if (serverName === null) throw new TypeError(`not a valid server name: "${target.serverName}"`);
  const base: TlsResult = { address: host, port, serverName, alpn: null, protocol: null, failure: null,
    handshakeTime: null, certificate: null };

  const opened = await openTcp({ host, port }, options);
  if (!opened.ok) {
    return { tcp: { address: host, port, failure: opened.failure, connectTime: null }, tls: { ...base, failure: "tls_error" }, connection: null };
  }
  const tcp: TcpResult = { address: host, port, failure: null, connectTime: opened.connectTime };
  const established = opened.connectedAt;

  return new Promise<TlsHandshake>((resolve) => {
    let settled = false;
    const socket: TLSSocket = tlsConnect(<ConnectionOptions & { requestOCSP: boolean }>{
      socket: opened.socket,
      // SNI must not carry an IP literal (RFC 6066 §3); the certificate is still checked against it.
      servername: isIP(serverName) === 0 ? serverName : undefined,
      ALPNProtocols: options.alpn ?? ["h2", "http/1.1"],
      secureContext: secureContextFor(options.ca),
      requestOCSP: true, // Chrome's ClientHello carries status_request (tls.connect passes it on; @types lacks it)
      rejectUnauthorized: false,
      checkServerIdentity: (_host: string, cert: PeerCertificate) => checkServerIdentity(serverName, cert),
    });
    leafOnlyIdentityCheck(socket);
    const settle = (tls: TlsResult, doneAt: number | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", onTimeout);
      const keep = options.keepSocket === true && doneAt !== null;
      if (!keep) socket.destroy();
      // The error listener below stays: it swallows a reset that arrives while a kept socket waits for its GET.
      resolve({ tcp, tls, connection: keep ? { socket, tcpStart: opened.startedAt, tcpDone: established, tlsDone: doneAt } : null });
    };
    // The caller's abort is its deadline passing: reported like our own timeout.
    const onTimeout = () => settle({ ...base, failure: "tls_timeout" }, null);
    const timer = firesBy(options.signal, options.timeoutSeconds * 1000) ? undefined : setTimeout(onTimeout, options.timeoutSeconds * 1000);
    options.signal?.addEventListener("abort", onTimeout, { once: true });
    if (options.signal?.aborted) onTimeout();
    socket.on("error", (error) => settle({ ...base, failure: classifyTlsError(error) }, null));
    socket.once("secureConnect", () => {
      const doneAt = performance.now();
      const peer = socket.getPeerX509Certificate();
      const verifyError = socket.authorized ? null : String(socket.authorizationError ?? "UNKNOWN");
      settle({
        ...base,
        alpn: socket.alpnProtocol || null,
        protocol: socket.getProtocol(),
        handshakeTime: durationSeconds(established, doneAt),
        certificate: peer ? summarise(peer) : null,
        failure: verifyError === null ? null : classifyCertificateError(verifyError),
      }, doneAt);
    });
  });
}

export const probeTls: Prober<TlsTarget, TlsOptions, TlsResult> = async (target, options) =>
  (await handshakeTls(target, options)).tls;
