// Timed download of a fixed-size object from an address the caller resolved (pinned like http.ts), with a
// byte cap and a time cap so that a probe on a metered or throttled link never downloads without bound.
// The rate is taken over the body transfer only, so connection set-up and server think time do not dilute it.
import { performance } from "node:perf_hooks";
import { durationSeconds, roundRate, roundSeconds } from "./duration.js";
import {
  CERT_EXPIRED_CODES, CERT_HOSTNAME_CODES, CERT_UNTRUSTED_CODES, errorCode, failedStage, newTrace, pinnedClient, teardown,
} from "./http-connect.js";
import type { ProbeOptions, Prober, ThroughputResult } from "./types.js";

export interface ThroughputTarget {
  /** http:// or https:// URL of an object larger than the byte cap, or of known size. */
  url: string;
  address: string;
}

export interface ThroughputOptions extends ProbeOptions {
  /** Stop after this many body bytes; 10 MB by default. */
  maxBytes?: number;
  /** Stop after this many seconds of body transfer; 10 s by default. */
  maxSeconds?: number;
  ca?: string | Buffer | Array<string | Buffer>;
  userAgent?: string;
}

export const DEFAULT_THROUGHPUT_MAX_BYTES = 10_000_000;
export const DEFAULT_THROUGHPUT_MAX_SECONDS = 10;

type Failure = NonNullable<ThroughputResult["failure"]>;

/** Unlike http.ts, a throughput result may name the TCP or TLS layer that failed. */
function classify(err: unknown, stage: "tcp" | "tls" | "http", timedOut: boolean): Failure {
  const code = errorCode(err);
  if (stage === "tcp") {
    if (timedOut || code === "ETIMEDOUT") return "tcp_timeout";
    if (code === "ECONNREFUSED") return "tcp_refused";
    if (code === "ECONNRESET") return "tcp_reset";
    if (code === "EHOSTUNREACH" || code === "ENETUNREACH") return "tcp_unreachable";
    return "tcp_error";
  }
  if (stage === "tls") {
    if (timedOut) return "tls_timeout";
    if (CERT_EXPIRED_CODES.has(code)) return "tls_cert_expired";
    if (CERT_HOSTNAME_CODES.has(code)) return "tls_cert_hostname";
    if (CERT_UNTRUSTED_CODES.has(code)) return "tls_cert_untrusted";
    if (code === "ECONNRESET") return "tls_reset";
    if (code === "UND_ERR_SOCKET" || code === "ECONNABORTED") return "tls_eof";
    return "tls_error";
  }
  if (timedOut) return "http_timeout";
  if (code === "ECONNRESET" || code === "EPIPE") return "http_reset";
  if (code === "UND_ERR_SOCKET" || code === "UND_ERR_RES_CONTENT_LENGTH_MISMATCH") return "http_eof";
  return "http_error";
}

/**
 * Download `target.url` until the body ends, `maxBytes` are in, or `maxSeconds` of transfer have passed.
 * `timeoutSeconds` bounds the wait for the response headers (connect, TLS and first byte).
 * `seconds` and `bytesPerSecond` cover the body transfer; `firstByte` is the time from the start to the
 * response headers. A non-2xx status is an `http_error`. Rejects only for bad arguments.
 */
export const probeThroughput: Prober<ThroughputTarget, ThroughputOptions, ThroughputResult> = async (target, options) => {
  const url = new URL(target.url);
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error(`probeThroughput: unsupported scheme ${url.protocol}`);
  const maxBytes = options.maxBytes ?? DEFAULT_THROUGHPUT_MAX_BYTES;
  const maxSeconds = options.maxSeconds ?? DEFAULT_THROUGHPUT_MAX_SECONDS;
  const trace = newTrace();
  const client = pinnedClient({ url, address: target.address, ...(options.ca === undefined ? {} : { ca: options.ca }),
    ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }) }, trace);
  const abort = new AbortController();
  let why: "headers" | "time" | null = null;
  const stop = (reason: "headers" | "time") => {
    why ??= reason;
    abort.abort();
  };
  let timer = setTimeout(() => stop("headers"), options.timeoutSeconds * 1000);
  const onOuterAbort = () => abort.abort();
  if (options.signal?.aborted) abort.abort();
  options.signal?.addEventListener("abort", onOuterAbort, { once: true });

  const start = performance.now();
  let headersAt: number | null = null;
  let lastByteAt: number | null = null;
  let bytes = 0;
  let capped: ThroughputResult["capped"] = null;
  let failure: Failure | null = null;
  try {
    const res = await client.request({
      path: `${url.pathname}${url.search}`,
      method: "GET",
      headers: { "user-agent": options.userAgent ?? "KeepWatch throughput probe", accept: "*/*" },
      signal: abort.signal,
    });
    headersAt = performance.now();
    clearTimeout(timer);
    timer = setTimeout(() => stop("time"), maxSeconds * 1000);
    if (res.statusCode < 200 || res.statusCode > 299) {
      failure = "http_error";
      await res.body.dump().catch(() => undefined);
    } else {
      try {
        for await (const chunk of res.body as AsyncIterable<Buffer>) {
          const room = maxBytes - bytes;
          // Capped only when there was more than the cap: an object of exactly maxBytes is complete.
          if (chunk.length > room) {
            if (room > 0) lastByteAt = performance.now();
            bytes += room;
            capped = "bytes";
            break;
          }
          bytes += chunk.length;
          lastByteAt = performance.now();
        }
      } catch (err) {
        if (why === "time") capped = "time";
        else failure = classify(err, "http", false);
      }
    }
  } catch (err) {
    failure = classify(err, failedStage(trace, url.protocol === "https:"), why === "headers");
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener("abort", onOuterAbort);
    await teardown(client, trace);
  }
  // The time cap ends the transfer at the cap, even if the last byte came a little earlier.
  const transferEnd = capped === "time" && headersAt !== null ? headersAt + maxSeconds * 1000 : lastByteAt ?? headersAt;
  // The rate comes from the unrounded time, so a transfer shorter than a microsecond still has one.
  const seconds = headersAt === null || transferEnd === null ? 0 : Math.max(0, (transferEnd - headersAt) / 1000);
  return {
    url: target.url,
    address: target.address,
    bytes,
    seconds: roundSeconds(seconds),
    bytesPerSecond: bytes > 0 && seconds > 0 ? roundRate(bytes / seconds) : null,
    firstByte: durationSeconds(start, headersAt),
    capped,
    failure,
  };
};
