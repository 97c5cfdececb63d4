// English alert text.
import { joinDuration, type Phrases } from "./phrases.js";

export const en: Phrases = {
  kind: {
    full_shutdown: "full shutdown",
    whitelist_only: "whitelist-only access",
    service_blocking: "service blocking",
    throttling: "throttling",
    dns_interference: "DNS interference",
    dark: "region gone dark",
  },
  explain: {
    full_shutdown: "Nothing works on the affected networks, whitelisted services included.",
    whitelist_only: "Only approved (mostly domestic) services work; everything else is unreachable.",
    service_blocking:
      "A category of services (messengers, social media, independent media) is blocked while the rest works.",
    throttling: "Services are reachable but far slower than this region's usual speed.",
    dns_interference:
      "The region's DNS resolvers answer differently from trusted resolvers (NXDOMAIN, bogus or block-page addresses).",
    dark: "No probe in the region is reporting, while probes elsewhere still are.",
  },
  headline: {
    opened: (kind, region) => `Incident opened: ${kind} in ${region}`,
    kindChanged: (from, to, region) => `Incident changed in ${region}: ${from} → ${to}`,
    revised: (kind, region) => `Incident revised: ${kind} in ${region}`,
    reminder: (kind, region, duration) => `Still ongoing after ${duration}: ${kind} in ${region}`,
    closed: (kind, region) => `Recovered: ${kind} in ${region} has ended`,
  },
  label: {
    region: "Region",
    network: "Network",
    allNetworks: "all networks of the region",
    started: "Started",
    lastGood: "Last normal measurement",
    ended: "Ended",
    duration: "Duration",
    confidence: "Confidence",
    targets: "Targets",
    summary: "Summary",
    previousKind: "Before",
    revised: "Revised",
    details: "Details",
    unknown: "unknown",
  },
  confidence: {
    confirmed: "confirmed (two or more probes or networks agree)",
    suspected: "suspected (a single probe or network)",
  },
  duration: (d, h, m) => joinDuration(d, h, m, { d: "d", h: "h", min: "min" }),
};
