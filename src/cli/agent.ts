// `keepwatch agent`: a volunteer's probe. Measures on a schedule, spools to disk, uploads with its token.
import { readFileSync } from "node:fs";
import { buildTargetsForCountry } from "./targets.js";
import { createLogger } from "../log.js";
import { Agent } from "../agent/agent.js";
import { Spool } from "../agent/spool.js";
import { createTargetChecker } from "../worker/target-checker.js";
import { networkKindSchema } from "../measurement.js";
import { readTargetList } from "./measure.js";
import { onShutdownSignal } from "./signals.js";

export interface AgentCliOptions {
  server?: string;
  probe?: string;
  region?: string;
  network?: string;
  networkKind: string;
  asn?: string;
  tokenFile?: string;
  spool: string;
  cron: string;
  list?: string;
  country: string;
  resolver?: string;
  controlResolver?: string;
  ca?: string;
  notBogon: string[];
  timeout: string;
  once?: boolean;
  helper: string[];
}

export async function runAgent(o: AgentCliOptions): Promise<number> {
  const missing = (["server", "probe", "region", "network"] as const).filter((k) => !o[k]);
  if (missing.length > 0) {
    console.error(`keepwatch agent: missing ${missing.map((k) => `--${k}`).join(", ")} (see keepwatch agent --help)`);
    return 2;
  }
  const { server, probe, region, network } = o as Required<Pick<AgentCliOptions, "server" | "probe" | "region" | "network">>;
  const log = createLogger({ name: "keepwatch-agent" });
  const token = (o.tokenFile ? readFileSync(o.tokenFile, "utf8") : process.env.KEEPWATCH_PROBE_TOKEN ?? "").trim();
  if (!token) {
    console.error("no probe token: use --token-file FILE or set KEEPWATCH_PROBE_TOKEN");
    return 2;
  }
  const kind = networkKindSchema.safeParse(o.networkKind);
  if (!kind.success) {
    console.error(`--network-kind must be mobile, fixed or unknown, got "${o.networkKind}"`);
    return 2;
  }
  const targets = o.list ? readTargetList(o.list) : buildTargetsForCountry(o.country);
  const agent = new Agent({
    who: { probeId: probe, role: "region", region,
      network: { id: network, asn: o.asn ? Number(o.asn) : null, kind: kind.data } },
    targets,
    checker: await createTargetChecker({
      resolver: o.resolver,
      controlResolver: o.controlResolver,
      caFiles: o.ca ? [o.ca] : [],
      notBogon: o.notBogon,
      timeoutSeconds: Number(o.timeout),
      // The agent's own probe token opens the helpers too (KEEPWATCH_HELPER_TOKEN when they want another).
      helpers: o.helper.map((url) => ({ url, token: process.env.KEEPWATCH_HELPER_TOKEN?.trim() || token })),
    }),
    spool: new Spool(o.spool),
    upload: { serverUrl: server, token },
    cron: o.cron,
    concurrency: 8,
    log,
  });
  if (o.once) {
    const r = await agent.round();
    log.info({ measured: r.measured, uploaded: r.upload.uploaded, pendingSegments: r.upload.segmentsLeft }, "agent round done");
    // Measurements that stay spooled are safe, but a script running --once must know they were not delivered.
    return r.upload.stoppedBecause === null ? 0 : 1;
  }
  agent.start();
  log.info({ probe, region, targets: targets.length, cron: o.cron }, "agent running");
  onShutdownSignal(log, () => agent.stop());
  return 0;
}

/** `keepwatch agent spool`: what is waiting, what the server refused, and the last upload error. */
export function runSpoolStatus(o: { spool: string; json?: boolean }): number {
  const spool = new Spool(o.spool);
  const segments = spool.segments();
  const pending = segments.reduce((n, name) => n + spool.read(name).measurements.length, 0);
  const quarantined = spool.quarantined();
  const reasons = new Map<string, number>();
  for (const q of quarantined) reasons.set(q.reason, (reasons.get(q.reason) ?? 0) + 1);
  const status = spool.status();
  const summary = { spool: o.spool, pending: { segments: segments.length, measurements: pending },
    quarantined: { items: quarantined.length, reasons: Object.fromEntries(reasons) }, ...status };
  if (o.json) {
    console.log(JSON.stringify(summary));
    return 0;
  }
  console.log(`spool:        ${o.spool}`);
  console.log(`pending:      ${pending} measurements in ${segments.length} segments`);
  console.log(`quarantined:  ${quarantined.length} items${quarantined.length ? " (keepwatch agent requeue puts them back)" : ""}`);
  for (const [reason, n] of reasons) console.log(`  ${n} × ${reason}`);
  console.log(`last attempt: ${status.lastAttemptAt ?? "never"}`);
  console.log(`last delivered everything: ${status.lastDeliveryAt ?? "never"}`);
  console.log(`last error:   ${status.lastError ?? "none"}`);
  return 0;
}

/** `keepwatch agent requeue`: puts quarantined measurements back in the upload path. */
export function runSpoolRequeue(o: { spool: string }): number {
  const moved = new Spool(o.spool).requeue();
  console.log(`${moved} quarantined measurements are pending again; they go out with the next upload`);
  return 0;
}
