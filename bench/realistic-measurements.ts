// Measurements shaped like the probes' real output, for storage benchmarks: timings and rates rounded as the
// probes round theirs (probes/duration.ts, imported so the two cannot drift: seconds to the microsecond, e.g.
// 0.043187, rates to the whole byte per second), random hashes and fingerprints, per-site addresses, and a mix
// of outcomes (success with a certificate and an HTTP hop, DNS, TCP, TLS and block-page interference, a
// helper's control summary on some). Deterministic for a seed, so before/after runs compare.
import { roundRate, roundSeconds } from "../probes/duration.js";
import type { Measurement } from "../src/measurement.js";

import { mulberry32 } from "../tests/fixtures/seeded-random.js";

/** A seeded PRNG, so two runs generate the same data. */
export const seededRandom = mulberry32;

export interface Deployment {
  /** One probe per region x network. */
  probes: { id: string; region: string; network: { id: string; asn: number; kind: "mobile" | "fixed" }; role: "region" | "control" }[];
  targets: { url: string; list: "whitelisted" | "non_whitelisted"; category: string; address: string; fingerprint: string }[];
}

function hex(rand: () => number, bytes: number, sep = ""): string {
  return Array.from({ length: bytes }, () => Math.floor(rand() * 256).toString(16).padStart(2, "0").toUpperCase()).join(sep);
}

/** regions x 2 networks probes (+ one control vantage) and `targets` sites, half of them on the whitelist. */
export function deployment(regions: number, targets: number, rand = seededRandom(1)): Deployment {
  const nets = [
    { id: "kcell-mobile", asn: 29355, kind: "mobile" as const },
    { id: "kazakhtelecom-fixed", asn: 9198, kind: "fixed" as const },
  ];
  const probes: Deployment["probes"] = [];
  for (let r = 0; r < regions; r++) {
    for (const n of nets) probes.push({ id: `${n.id.split("-")[0]}-kz${10 + r}-1`, region: `KZ-${10 + r}`, network: n, role: "region" });
  }
  probes.push({ id: "control-fra-1", region: "CONTROL", network: { id: "hetzner", asn: 24940, kind: "fixed" }, role: "control" });
  const sites = Array.from({ length: targets }, (_, i) => {
    const wl = i % 2 === 0;
    const host = wl ? `www.gov${i}.example.kz` : `news-site-${i}.example.com`;
    return {
      url: `https://${host}/${i % 3 === 0 ? "" : "ru/index.html"}`,
      list: wl ? ("whitelisted" as const) : ("non_whitelisted" as const),
      category: wl ? "GOVT" : ["NEWS", "SOCIAL", "HUMR", "POLR"][i % 4]!,
      address: `198.18.${Math.floor(rand() * 250)}.${Math.floor(rand() * 250)}`,
      fingerprint: hex(rand, 32, ":"),
    };
  });
  return { probes, targets: sites };
}

/** A timing as the probes report it: seconds to the microsecond (probes/duration.ts). */
function t(rand: () => number, scale: number): number {
  return roundSeconds(rand() * scale);
}

export function realisticMeasurement(d: Deployment, probeIndex: number, targetIndex: number, startedMs: number, id: string,
  rand: () => number): Measurement {
  const p = d.probes[probeIndex]!;
  const s = d.targets[targetIndex]!;
  const host = new URL(s.url).hostname;
  const roll = rand();
  const outcome = roll < 0.84 ? "ok" : roll < 0.88 ? "dns" : roll < 0.92 ? "tcp" : roll < 0.96 ? "tls" : roll < 0.98 ? "blockpage" : "down";
  const addr = outcome === "dns" ? "10.10.34.35" : s.address;
  const dnsTime = t(rand, 0.05);
  const connect = t(rand, 0.08);
  const handshake = t(rand, 0.12);
  const firstByte = t(rand, 0.3);
  const download = t(rand, 0.2);
  const total = roundSeconds(dnsTime + connect + handshake + firstByte + download); // a reading of its own, rounded as one
  const dnsResult = {
    query: host, resolver: "system", transport: "system" as const, rcode: outcome === "down" ? "NXDOMAIN" : "NOERROR",
    answers: [], addresses: outcome === "down" ? [] : [addr], cnameChain: [], bogons: outcome === "dns" ? [addr] : [],
    failure: outcome === "down" ? ("dns_nxdomain" as const) : outcome === "dns" ? ("dns_bogon" as const) : null, time: dnsTime,
  };
  const controlDns = {
    query: host, resolver: "198.18.1.53:53", transport: "udp" as const, rcode: "NOERROR",
    answers: [{ name: host, type: "A" as const, data: s.address, ttl: 300 }], addresses: [s.address], cnameChain: [], bogons: [],
    failure: null, time: t(rand, 0.06),
  };
  const tcpOk = outcome !== "tcp" && outcome !== "down";
  const tlsOk = tcpOk && outcome !== "tls";
  const httpOk = tlsOk;
  const bodyLength = outcome === "blockpage" ? 1432 : 20_000 + Math.floor(rand() * 60_000);
  const title = outcome === "blockpage" ? "Доступ ограничен" : `Главная страница — ${host}`;
  const failure = outcome === "ok" || outcome === "blockpage" ? null
    : outcome === "dns" || outcome === "down" ? (outcome === "dns" ? "dns_bogon" : "dns_nxdomain")
      : outcome === "tcp" ? "tcp_reset" : "tls_reset";
  const m: Measurement = {
    version: 1,
    id,
    probe: { id: p.id, role: p.role, software: "keepwatch/0.1.0" },
    region: p.region,
    network: p.network,
    target: { url: s.url, list: s.list, category: s.category },
    startedAt: new Date(startedMs).toISOString(),
    receivedAt: new Date(startedMs + 2000 + Math.floor(rand() * 60_000)).toISOString(),
    check: {
      url: s.url,
      dns: [dnsResult],
      controlDns: rand() < 0.5 ? controlDns : null,
      tcp: outcome === "down" ? [] : [{ address: addr, port: 443, failure: tcpOk ? null : "tcp_reset", connectTime: tcpOk ? connect : null }],
      tls: tcpOk ? [{ address: addr, port: 443, serverName: host, alpn: tlsOk ? "http/1.1" : null, protocol: tlsOk ? "TLSv1.3" : null,
        failure: tlsOk ? null : "tls_reset", handshakeTime: tlsOk ? handshake : null,
        certificate: tlsOk ? { subject: `CN=${host}`, issuer: "C=US, O=Let's Encrypt, CN=R11", validFrom: "Oct  1 00:00:00 2026 GMT",
          validTo: "Dec 30 23:59:59 2026 GMT", altNames: [host, host.replace(/^www\./, "")], fingerprint256: s.fingerprint } : null }] : [],
      http: httpOk ? { url: s.url, finalUrl: s.url, status: 200, failure: null,
        blockPage: outcome === "blockpage" ? { id: "kz-ministry-notice", country: "KZ", matched: "title" } : null, time: total,
        hops: [{ url: s.url, address: addr, status: 200,
          headers: { "content-type": "text/html; charset=utf-8", server: "nginx", "content-length": String(bodyLength) },
          bodyLength, bodySha256: hex(rand, 32).toLowerCase(), bodyTruncated: false, title, failure: null,
          phases: { dns: dnsTime, connect, tls: handshake, firstByte, download, total },
          headerNames: ["content-type", "server", "content-length", "date", "cache-control", "x-frame-options"] }] } : null,
      time: roundSeconds(total + t(rand, 0.01)),
    },
    verdict: {
      accessible: outcome === "ok",
      blocking: outcome === "ok" || outcome === "down" ? null : outcome === "blockpage" ? "http-diff" : outcome,
      failure,
      determined: true,
    },
    throughput: targetIndex % 20 === 0 && httpOk ? { url: s.url, address: addr, bytes: 4_194_304, seconds: t(rand, 3),
      bytesPerSecond: roundRate(1_000_000 + rand() * 3_000_000), firstByte: t(rand, 0.2), capped: "bytes", failure: null } : null,
  };
  if (rand() < 0.3) {
    m.check.control = {
      helper: "https://helper.keepwatch.example/api/v1/control",
      dns: { addresses: [s.address], failure: null },
      tcp: { [`${s.address}:443`]: "ok" }, tls: { [`${s.address}:443`]: "ok" },
      http: { status: 200, failure: null, bodyLength: 20_000 + Math.floor(rand() * 60_000), title: `Главная страница — ${host}`, finalUrl: s.url },
      consistency: { dns: outcome === "dns" ? "inconsistent" : "consistent", statusCodeMatch: true, bodyLengthMatch: true,
        headersMatch: true, titleMatch: outcome !== "blockpage" },
      time: t(rand, 0.8),
    };
  }
  return m;
}
