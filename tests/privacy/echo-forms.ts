// Hostile echo forms: how block pages, proxies and middleboxes echo a client's address back into what a
// probe records, for one IPv4 address; and every form we grep stored bytes for afterwards.
import { randomUUID } from "node:crypto";
import type { Measurement } from "../../src/measurement.js";
import { fixtureMeasurement } from "../fixtures/measurement.js";

export interface V4Forms {
  dotted: string;
  dashed: string;
  reversed: string;
  int: string;
  hex: string;
  /** Every spelling of the address as it may appear in text (for building hostile input). */
  echoes: string[];
  /** Needles to grep for afterwards (lower-case; searched case-insensitively in latin1 and UTF-8 text). */
  needles: string[];
}

export function v4Forms(address: string): V4Forms {
  const o = address.split(".").map(Number) as [number, number, number, number];
  const int = ((o[0] << 24) >>> 0) + (o[1] << 16) + (o[2] << 8) + o[3];
  const hex = int.toString(16).padStart(8, "0");
  const g1 = ((o[0] << 8) | o[1]).toString(16);
  const g2 = ((o[2] << 8) | o[3]).toString(16);
  const dotted = o.join(".");
  const dashed = o.join("-");
  const reversed = [...o].reverse().join(".");
  const pad = o.map((x) => String(x).padStart(3, "0"));
  const fullwidth = [...dotted].map((ch) => (ch === "." ? "．" : String.fromCharCode(ch.charCodeAt(0) + 0xfee0))).join("");
  const echoes = [
    dotted, `${dotted}:48666`, `ip%3D${dotted}`, o.join("%2E"), o.join("%252E"), `%5B::ffff:${dotted}%5D`,
    `host-${dashed}.isp.example`, `${reversed}.in-addr.arpa`, `${dotted}.dynamic.isp.example`,
    `${[...o].reverse().join("-")}.pool.example`, `${o.join("_")}.cust.example`, `${hex}.dsl.example`,
    String(int), `0x${hex}`, `0x${hex.toUpperCase()}`, `::ffff:${dotted}`, `::ffff:${g1}:${g2}`, `::FFFF:${g1.toUpperCase()}:${g2.toUpperCase()}`,
    `[::ffff:${dotted}]:443`, `64:ff9b::${g1}:${g2}`, pad.join("."), pad.join(""), fullwidth, `&#${dotted.charCodeAt(0)};${dotted.slice(1)}`,
    `${[...dotted.slice(0, 3)].map((c) => `%${c.charCodeAt(0).toString(16)}`).join("")}${dotted.slice(3)}`,
    o.map((x) => `0x${x.toString(16)}`).join("."),
  ];
  const needles = [
    dotted, dashed, o.join("_"), reversed, [...o].reverse().join("-"), String(int), hex, `${g1}:${g2}`, o.join("%2e"),
    pad.join("."), pad.join(""), fullwidth, o.map((x) => `0x${x.toString(16)}`).join("."),
  ].map((n) => n.toLowerCase());
  return { dotted, dashed, reversed, int: String(int), hex, echoes, needles };
}

/** Every needle found in `text` (case-insensitive). */
export function leaks(text: string, needles: readonly string[]): string[] {
  const lower = text.toLowerCase();
  return needles.filter((n) => lower.includes(n));
}

/**
 * Measurements for `probe` where every free-text field echoes the address in one of its forms: titles,
 * headers (Via, X-Forwarded-For, Location, Set-Cookie), redirect chains, final URL, error strings, TLS
 * certificate fields, CNAME chains, DNS answers and connected addresses equal to the uploader's own.
 */
export function hostileMeasurements(
  who: { probeId: string; region: string; network: string },
  forms: V4Forms,
  startedAt: string,
): Measurement[] {
  return forms.echoes.map((echo, i) => {
    const m = fixtureMeasurement({ ...who, url: "http://blocked.test/", startedAt, accessible: false, blocking: "http-diff" });
    m.id = randomUUID();
    const hop = (url: string, title: string | null, headers: Record<string, string>) => ({
      url, address: "198.18.0.10", status: 302, headers, bodyLength: 100, bodySha256: null, bodyTruncated: false, title,
      failure: null, phases: { dns: null, connect: 0.01, tls: null, firstByte: 0.02, download: 0.01, total: 0.05 },
    });
    m.check.dns[0]!.cnameChain = [`${echo}.cdn.example`];
    // A DNS answer and a connection to the uploader's own address: privacy wins over evidence.
    m.check.dns[0]!.addresses = ["198.18.0.10", forms.dotted];
    m.check.dns[0]!.answers = [{ name: "blocked.test", type: "A", data: forms.dotted, ttl: 60 }];
    m.check.tcp.push({ address: forms.dotted, port: 80, failure: "tcp_reset", connectTime: null });
    m.check.tls[0]!.certificate = {
      subject: `CN=${echo}`, issuer: `O=ISP, CN=${echo}`, validFrom: "Jan 1 00:00:00 2026 GMT", validTo: "Jan 1 00:00:00 2027 GMT",
      altNames: [`DNS:${echo}`, `IP Address:${forms.dotted}`], fingerprint256: "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89",
    };
    m.check.http = {
      url: "http://blocked.test/",
      finalUrl: `http://198.18.0.10/blocked?client=${encodeURIComponent(echo)}&n=${i}`,
      status: 200,
      failure: null,
      blockPage: { id: "isp-notice", country: "KZ", matched: "title" },
      time: 0.2,
      hops: [
        hop("http://blocked.test/", `Access denied for ${echo}`, {
          via: `1.1 ${echo} (squid/5.7)`, "x-forwarded-for": `${echo}, 198.18.0.10`, location: `http://198.18.0.10/?ip=${echo}`,
          "set-cookie": `client=${echo}; Path=/`, [`x-client-${i}`]: echo,
        }),
        hop(`http://198.18.0.10/?ip=${echo}`, `Ваш IP-адрес ${echo} заблокирован`, { "x-real-ip": echo }),
      ],
    };
    m.verdict.failure = `http_error: connect ECONNRESET ${echo} (from ${echo})`;
    m.throughput = { url: `http://198.18.0.10/${echo}`, address: forms.dotted, bytes: 10, seconds: 1, bytesPerSecond: 10, firstByte: 0.1, capped: null, failure: null };
    return m;
  });
}
