// Result shapes shared by every prober. Each prober is a function
//   (target, options) => Promise<Result>
// that never throws for network failures: a failure is a result whose `failure` field holds a class
// from the lists below. Timings are seconds (floating point), addresses are plain IP strings.
import { z } from "zod";
import { controlSummarySchema } from "./control-types.js";
import type { LocalAddress } from "./local-address.js";

export const DNS_FAILURES = [
  "dns_nxdomain",
  "dns_servfail",
  "dns_refused",
  "dns_no_answer",
  "dns_timeout",
  "dns_bogon",
  "dns_error",
] as const;
export const TCP_FAILURES = ["tcp_refused", "tcp_reset", "tcp_timeout", "tcp_unreachable", "tcp_error"] as const;
export const TLS_FAILURES = [
  "tls_reset",
  "tls_timeout",
  "tls_eof",
  "tls_cert_expired",
  "tls_cert_hostname",
  "tls_cert_untrusted",
  "tls_error",
] as const;
export const HTTP_FAILURES = [
  "http_reset",
  "http_timeout",
  "http_eof",
  "http_error",
  "http_too_many_redirects",
] as const;

/**
 * What ended a fetch (an HTTP result and each of its hops): the failing layer's own name, the same whether it
 * happened on the first connection or on a redirect hop (a hop's host is resolved, connected and shaken hands
 * with like the first one's).
 */
export const FETCH_FAILURES = [...DNS_FAILURES, ...TCP_FAILURES, ...TLS_FAILURES, ...HTTP_FAILURES] as const;

export const dnsFailureSchema = z.enum(DNS_FAILURES);
export const tcpFailureSchema = z.enum(TCP_FAILURES);
export const tlsFailureSchema = z.enum(TLS_FAILURES);
export const httpFailureSchema = z.enum(HTTP_FAILURES);
export const fetchFailureSchema = z.enum(FETCH_FAILURES);
export type DnsFailure = z.infer<typeof dnsFailureSchema>;
export type TcpFailure = z.infer<typeof tcpFailureSchema>;
export type TlsFailure = z.infer<typeof tlsFailureSchema>;
export type HttpFailure = z.infer<typeof httpFailureSchema>;
export type FetchFailure = z.infer<typeof fetchFailureSchema>;

export const dnsAnswerSchema = z.object({
  name: z.string(),
  type: z.enum(["A", "AAAA", "CNAME"]),
  data: z.string(),
  ttl: z.number().int().nonnegative(),
});

export const dnsResultSchema = z.object({
  /** The name as queried on the wire (IDN already converted to punycode). */
  query: z.string(),
  /** "system" for getaddrinfo, otherwise the resolver as "ip:port". */
  resolver: z.string(),
  transport: z.enum(["udp", "tcp", "system"]),
  /** DNS response code name (NOERROR, NXDOMAIN, …); null when no response arrived. */
  rcode: z.string().nullable(),
  answers: z.array(dnsAnswerSchema),
  /** A and AAAA addresses at the end of the CNAME chain, in answer order. */
  addresses: z.array(z.string()),
  cnameChain: z.array(z.string()),
  /** Addresses from `addresses` that fall in a bogon range. */
  bogons: z.array(z.string()),
  failure: dnsFailureSchema.nullable(),
  time: z.number().nonnegative(),
});
export type DnsResult = z.infer<typeof dnsResultSchema>;

export const tcpResultSchema = z.object({
  address: z.string(),
  port: z.number().int(),
  failure: tcpFailureSchema.nullable(),
  connectTime: z.number().nonnegative().nullable(),
});
export type TcpResult = z.infer<typeof tcpResultSchema>;

export const certificateSchema = z.object({
  subject: z.string(),
  issuer: z.string(),
  validFrom: z.string(),
  validTo: z.string(),
  altNames: z.array(z.string()),
  fingerprint256: z.string(),
});

export const tlsResultSchema = z.object({
  address: z.string(),
  port: z.number().int(),
  serverName: z.string(),
  alpn: z.string().nullable(),
  protocol: z.string().nullable(),
  failure: tlsFailureSchema.nullable(),
  /** Time from TCP established to handshake finished: OONI's throttling signal. */
  handshakeTime: z.number().nonnegative().nullable(),
  certificate: certificateSchema.nullable(),
});
export type TlsResult = z.infer<typeof tlsResultSchema>;

export const httpPhasesSchema = z.object({
  dns: z.number().nonnegative().nullable(),
  connect: z.number().nonnegative().nullable(),
  tls: z.number().nonnegative().nullable(),
  firstByte: z.number().nonnegative().nullable(),
  download: z.number().nonnegative().nullable(),
  total: z.number().nonnegative(),
});

export const blockPageMatchSchema = z.object({
  /** Fingerprint id, e.g. "kz-ministry-notice". */
  id: z.string(),
  country: z.string().nullable(),
  /** What matched: "title", "body", "address", "location", "header". */
  matched: z.string(),
});
export type BlockPageMatch = z.infer<typeof blockPageMatchSchema>;

export const httpHopSchema = z.object({
  url: z.string(),
  address: z.string().nullable(),
  status: z.number().int().nullable(),
  /** A selected subset of response headers, names lower-cased. */
  headers: z.record(z.string(), z.string()),
  bodyLength: z.number().int().nonnegative(),
  bodySha256: z.string().nullable(),
  bodyTruncated: z.boolean(),
  title: z.string().nullable(),
  failure: fetchFailureSchema.nullable(),
  phases: httpPhasesSchema,
  /** Every response header name, lower-cased (OONI's headers match compares names); absent in older records. */
  headerNames: z.array(z.string()).optional(),
});
export type HttpHop = z.infer<typeof httpHopSchema>;

export const httpResultSchema = z.object({
  url: z.string(),
  finalUrl: z.string(),
  hops: z.array(httpHopSchema),
  status: z.number().int().nullable(),
  failure: fetchFailureSchema.nullable(),
  blockPage: blockPageMatchSchema.nullable(),
  time: z.number().nonnegative(),
});
export type HttpResult = z.infer<typeof httpResultSchema>;

export const throughputResultSchema = z.object({
  url: z.string(),
  address: z.string().nullable(),
  bytes: z.number().int().nonnegative(),
  seconds: z.number().nonnegative(),
  bytesPerSecond: z.number().nonnegative().nullable(),
  firstByte: z.number().nonnegative().nullable(),
  /** Which cap ended the download early, if any. */
  capped: z.enum(["bytes", "time"]).nullable(),
  failure: fetchFailureSchema.nullable(),
});
export type ThroughputResult = z.infer<typeof throughputResultSchema>;

export const BLOCKING_KINDS = ["dns", "tcp", "tls", "http-failure", "http-diff"] as const;
export const blockingSchema = z.enum(BLOCKING_KINDS).nullable();
export type Blocking = z.infer<typeof blockingSchema>;

/**
 * The verdict of one site check (OONI Web Connectivity semantics):
 * accessible=true: it worked; accessible=false & blocking=null: the site is down for the control too;
 * accessible=false & blocking=<layer>: the region's network interfered at that layer.
 * `determined` is false when no control was available to tell "down" from "blocked".
 */
export const verdictSchema = z.object({
  accessible: z.boolean(),
  blocking: blockingSchema,
  failure: z.string().nullable(),
  determined: z.boolean(),
});
export type Verdict = z.infer<typeof verdictSchema>;

export const webCheckSchema = z.object({
  url: z.string(),
  dns: z.array(dnsResultSchema),
  controlDns: dnsResultSchema.nullable(),
  tcp: z.array(tcpResultSchema),
  tls: z.array(tlsResultSchema),
  http: httpResultSchema.nullable(),
  /** What a test helper saw of the same URL and how it compared (control-types.ts); absent when no helper answered. */
  control: controlSummarySchema.optional(),
  verdict: verdictSchema,
  time: z.number().nonnegative(),
});
export type WebCheck = z.infer<typeof webCheckSchema>;

/** The layers of one site check, as the verdict rules read them (web.ts, control-compare.ts). */
export interface CheckLayers {
  /** Fingerprint id when our DNS answer points at a known block-page server. */
  dnsBlockPage: string | null;
  dns: DnsResult[];
  controlDns: DnsResult | null;
  tcp: TcpResult[];
  tls: TlsResult[];
  http: HttpResult | null;
  https: boolean;
}

/** An address with its port, "1.2.3.4:53" or "[::1]:53". */
export interface Endpoint {
  host: string;
  port: number;
}

/** Options every prober takes; each protocol extends it with its own. */
export interface ProbeOptions {
  /** Per-operation timeout in seconds. */
  timeoutSeconds: number;
  signal?: AbortSignal;
  /**
   * Source addresses every socket of the measurement binds to (local-address.ts); absent: the kernel picks.
   * A destination of a family without one is unreachable (tcp_unreachable, dns_error), never sent elsewhere.
   */
  localAddress?: LocalAddress;
}

/**
 * The one shape of every prober (blackbox_exporter style): measure `target` and resolve a result.
 * It rejects only for programming errors (bad arguments), never for what the network did.
 */
export type Prober<Target, Options extends ProbeOptions, Result> = (target: Target, options: Options) => Promise<Result>;
