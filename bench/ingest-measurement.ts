// The measurement the ingest benchmarks queue: a full check as probes/web.ts produces it (DNS with answers,
// TCP, TLS with a certificate, an HTTP hop), with a failure every tenth and a throughput test every twentieth.
// Keys in the Measurement schema's order, as uploads reach the queue (the upload route queues zod's output):
// the collector takes such an item without copying it (src/measurement-check.ts).
import { randomUUID } from "node:crypto";
import type { Measurement } from "../src/measurement.js";

const PROBES = ["kt-almaty-1", "kcell-aktau-1", "beeline-astana-2", "tele2-shymkent-1", "control-fra-1"];
const REGIONS = ["KZ-75", "KZ-47", "KZ-71", "KZ-79", "CONTROL"];
const SITES = Array.from({ length: 60 }, (_, i) => `https://site${i}.example.kz/`);

/** Measurement number i of a run whose first one started at base (epoch ms). */
export function realisticMeasurement(i: number, base: number): Measurement {
  const p = i % PROBES.length;
  const url = SITES[i % SITES.length]!;
  const host = new URL(url).hostname;
  const ok = i % 10 !== 0;
  const addr = `198.18.${(i >> 8) & 255}.${i & 255}`;
  return {
    version: 1,
    id: randomUUID(),
    probe: { id: PROBES[p]!, role: p === 4 ? "control" : "region", software: "keepwatch/0.1.0" },
    region: REGIONS[p]!,
    network: { id: p === 1 ? "kcell-mobile" : "kt-fixed", asn: p === 1 ? 29355 : 9198, kind: p === 1 ? "mobile" : "fixed" },
    target: { url, list: i % 3 === 0 ? "non_whitelisted" : "whitelisted", category: i % 3 === 0 ? "news" : "gov" },
    startedAt: new Date(base + i * 250).toISOString(),
    check: {
      url,
      dns: [{ query: host, resolver: "198.18.0.53:53", transport: "udp", rcode: "NOERROR",
        answers: [{ name: host, type: "A", data: addr, ttl: 300 }], addresses: [addr], cnameChain: [], bogons: [],
        failure: null, time: 0.012 }],
      controlDns: { query: host, resolver: "198.18.1.53:53", transport: "udp", rcode: "NOERROR",
        answers: [{ name: host, type: "A", data: addr, ttl: 300 }], addresses: [addr], cnameChain: [], bogons: [],
        failure: null, time: 0.03 },
      tcp: [{ address: addr, port: 443, failure: ok ? null : "tcp_reset", connectTime: ok ? 0.021 : null }],
      tls: ok ? [{ address: addr, port: 443, serverName: host, alpn: "http/1.1", protocol: "TLSv1.3", failure: null,
        handshakeTime: 0.043, certificate: { subject: `CN=${host}`, issuer: "CN=KeepWatch Lab CA", validFrom: "2025-01-01T00:00:00Z",
          validTo: "2026-01-01T00:00:00Z", altNames: [host], fingerprint256: "AB:".repeat(31) + "AB" } }] : [],
      http: ok ? { url, finalUrl: url,
        hops: [{ url, address: addr, status: 200, headers: { "content-type": "text/html; charset=utf-8", server: "nginx" },
          bodyLength: 48213, bodySha256: "0".repeat(64), bodyTruncated: false, title: "Example site",
          failure: null, phases: { dns: 0.012, connect: 0.021, tls: 0.043, firstByte: 0.09, download: 0.05, total: 0.18 } }],
        status: 200, failure: null, blockPage: null, time: 0.18 } : null,
      time: 0.25,
    },
    verdict: { accessible: ok, blocking: ok ? null : "tcp", failure: ok ? null : "tcp_reset", determined: true },
    throughput: i % 20 === 0 ? { url, address: addr, bytes: 4_194_304, seconds: 2.1, bytesPerSecond: 1_997_287,
      firstByte: 0.08, capped: "bytes", failure: null } : null,
  };
}

