// What the metrics take from one Measurement: its outcome label and its phase durations.
import type { Measurement } from "../measurement.js";

export type Phase = "dns" | "connect" | "tls" | "first_byte" | "download" | "total";

/**
 * ok; down (the site is down for the control too); blocked_<layer> (dns, tcp, tls, http_failure, http_diff)
 * when a control showed the failure is the network's; failed_<layer> when nothing could tell "down" from
 * "blocked" (no control to compare with) — never counted as blocking.
 */
export function measurementOutcome(m: Measurement): string {
  const v = m.verdict;
  if (v.accessible) return "ok";
  if (v.blocking === null) return "down";
  return `${v.determined ? "blocked" : "failed"}_${v.blocking.replace("-", "_")}`;
}

/**
 * Phase durations in seconds. The final HTTP hop's phases when there is one (what the user waited for);
 * otherwise the separate DNS/TCP/TLS steps, so failed checks still show where time went.
 */
export function measurementPhases(m: Measurement): [Phase, number][] {
  const out: [Phase, number][] = [];
  const push = (phase: Phase, v: number | null | undefined) => {
    if (v !== null && v !== undefined && Number.isFinite(v) && v >= 0) out.push([phase, v]);
  };
  const hop = m.check.http?.hops.at(-1);
  if (hop) {
    push("dns", hop.phases.dns);
    push("connect", hop.phases.connect);
    push("tls", hop.phases.tls);
    push("first_byte", hop.phases.firstByte);
    push("download", hop.phases.download);
  } else {
    push("dns", m.check.dns[0]?.time);
    push("connect", m.check.tcp.find((t) => t.connectTime !== null)?.connectTime);
    push("tls", m.check.tls.find((t) => t.handshakeTime !== null)?.handshakeTime);
  }
  push("total", m.check.time);
  return out;
}
