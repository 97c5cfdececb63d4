// `keepwatch agent`: a volunteer's probe. Measures on a schedule, spools to disk, uploads with its token.
import { readFileSync } from "node:fs";
import { buildTargetsForCountry } from "./targets.js";
import { createLogger } from "../log.js";
import { Agent } from "../agent/agent.js";
import { Spool } from "../agent/spool.js";
import { checkLocal } from "../agent/local-check.js";
import { createTargetChecker } from "../worker/target-checker.js";
import { networkKindSchema } from "../measurement.js";
import { readTargetList } from "./measure.js";
import { onShutdownSignal } from "./signals.js";

export interface AgentCliOptions {
  server: string;
  probe: string;
  region: string;
  network: string;
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
}

export async function runAgent(o: AgentCliOptions): Promise<number> {
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
    who: { probeId: o.probe, role: "region", region: o.region,
      network: { id: o.network, asn: o.asn ? Number(o.asn) : null, kind: kind.data } },
    targets,
    checker: await createTargetChecker({
      resolver: o.resolver,
      controlResolver: o.controlResolver,
      caFiles: o.ca ? [o.ca] : [],
      notBogon: o.notBogon,
      timeoutSeconds: Number(o.timeout),
    }),
    spool: new Spool(o.spool),
    upload: { serverUrl: o.server, token },
    localCheck: () => checkLocal({ ...(o.resolver ? { resolver: o.resolver } : {}) }),
    cron: o.cron,
    concurrency: 8,
    log,
  });
  if (o.once) {
    const r = await agent.round();
    log.info({ measured: r.measured, uploaded: r.upload.uploaded, pendingSegments: r.upload.segmentsLeft }, "agent round done");
    return 0;
  }
  agent.start();
  log.info({ probe: o.probe, region: o.region, targets: targets.length, cron: o.cron }, "agent running");
  onShutdownSignal(log, () => agent.stop());
  return 0;
}
