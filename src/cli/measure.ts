// `keepwatch measure URL...`: check sites now and print a table, or one Measurement per line (--json).
import type { TargetConfig } from "../config/schema.js";
import { adhocTarget, readTargetList } from "./target-list.js";
import type { Measurement } from "../measurement.js";
import { runChecks } from "../worker/run-checks.js";
import { parseResolver } from "../../probes/dns.js";
import { UsageError } from "./cli-error.js";
import { createTargetChecker } from "../worker/target-checker.js";

export interface MeasureCliOptions {
  json?: boolean;
  resolver?: string;
  controlResolver?: string;
  ca?: string;
  notBogon: string[];
  timeout: string;
  throughput?: boolean;
  list?: string;
  region: string;
  network: string;
  helper?: string[];
}

function checkTargetUrl(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`not a URL: "${url}" (give http:// or https:// URLs)`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new UsageError(`cannot measure "${url}": only http:// and https:// URLs are checked`);
  }
}

function checkResolver(flag: string, value: string): void {
  try {
    parseResolver(value);
  } catch {
    throw new UsageError(`${flag} must be "system" or an IP address with an optional port (1.1.1.1, 10.0.0.53:5353, [2001:db8::53]:53), got "${value}"`);
  }
}

function describeOutcome(m: Measurement): string {
  const v = m.verdict;
  if (v.accessible) return "ok";
  if (v.blocking === null) return "down";
  return v.determined ? `blocked (${v.blocking})` : `failed at ${v.blocking} (no control)`;
}

const seconds = (s: number | null | undefined) => (s === null || s === undefined ? "-" : s.toFixed(3));

export function formatTable(ms: Measurement[]): string {
  const rows = ms.map((m) => {
    const tls = m.check.tls.find((t) => t.handshakeTime !== null)?.handshakeTime;
    const http = m.check.http;
    return [
      m.target.url,
      describeOutcome(m),
      m.verdict.failure ?? "",
      m.check.dns[0]?.addresses.slice(0, 2).join(" ") ?? "",
      http?.status?.toString() ?? "-",
      seconds(m.check.tcp.find((t) => t.connectTime !== null)?.connectTime),
      seconds(tls),
      m.throughput?.bytesPerSecond ? `${(m.throughput.bytesPerSecond / 1e6 * 8).toFixed(2)} Mbit/s` : "",
    ];
  });
  const header = ["URL", "VERDICT", "FAILURE", "ADDRESSES", "HTTP", "CONNECT s", "TLS s", "THROUGHPUT"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd();
  return [line(header), ...rows.map(line)].join("\n");
}

export async function runMeasure(urls: string[], o: MeasureCliOptions): Promise<number> {
  const timeoutSeconds = Number(o.timeout);
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) {
    console.error(`--timeout must be a positive number of seconds, got "${o.timeout}"`);
    return 2;
  }
  let targets: TargetConfig[];
  try {
    targets = [...urls.map(adhocTarget), ...(o.list ? await readTargetList(o.list) : [])];
    for (const t of targets) checkTargetUrl(t.url);
    for (const [flag, value] of [["--resolver", o.resolver], ["--control-resolver", o.controlResolver]] as const) {
      if (value !== undefined && value !== "system") checkResolver(flag, value);
    }
  } catch (e) {
    console.error((e as Error).message);
    return 2;
  }
  if (targets.length === 0) {
    console.error("nothing to measure: give URLs or --list FILE");
    return 2;
  }
  const checker = await createTargetChecker({
    resolver: o.resolver,
    controlResolver: o.controlResolver,
    caFiles: o.ca ? [o.ca] : [],
    notBogon: o.notBogon,
    timeoutSeconds,
    throughputAll: o.throughput ?? false,
    helpers: (o.helper ?? []).map((url) => {
      const token = (process.env.KEEPWATCH_HELPER_TOKEN ?? process.env.KEEPWATCH_PROBE_TOKEN)?.trim();
      return { url, ...(token ? { token } : {}) };
    }),
  });
  const who = { probeId: "cli", role: "region" as const, region: o.region, network: { id: o.network, asn: null, kind: "unknown" as const } };
  const measurements = await runChecks(who, targets, checker, 8);
  if (o.json) for (const m of measurements) process.stdout.write(`${JSON.stringify(m)}\n`);
  else process.stdout.write(`${formatTable(measurements)}\n`);
  return 0;
}
