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
import { defaultStateDir, loadEnrollment, serverUrlProblem } from "../agent/state-dir.js";
import { enroll, EnrollError } from "../agent/enroll.js";
import { join } from "node:path";

export interface AgentCliOptions {
  /** Server and relays, tried in turn. */
  server?: string[];
  probe?: string;
  region?: string;
  network?: string;
  networkKind: string;
  asn?: string;
  tokenFile?: string;
  spool?: string;
  stateDir?: string;
  insecureLabHttp?: boolean;
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

/** Where the agent keeps its enrollment and spool: --state-dir, else the default (never the working directory). */
function stateDirOf(o: { stateDir?: string }): string {
  return o.stateDir ?? defaultStateDir();
}

export function spoolDirOf(o: { spool?: string; stateDir?: string }): string {
  return o.spool ?? join(stateDirOf(o), "spool");
}

interface Identity { servers: string[]; probe: string; region: string; network: string; token: string; allowHttp: boolean }

/** The probe from flags when any identity flag is given, else from the enrollment in the state directory. */
function identityOf(o: AgentCliOptions): Identity | string {
  const given = (k: "server" | "probe" | "region" | "network") => (k === "server" ? (o.server?.length ?? 0) > 0 : Boolean(o[k]));
  const flags = (["server", "probe", "region", "network"] as const).filter(given);
  if (flags.length === 0) {
    const e = loadEnrollment(stateDirOf(o));
    if (!e) return `not enrolled (no enrollment in ${stateDirOf(o)}): run keepwatch agent enroll CODE --server https://… first`;
    return { servers: e.servers, probe: e.probeId, region: e.region, network: e.network.id, token: e.token,
      allowHttp: e.insecureLabHttp || o.insecureLabHttp === true };
  }
  const missing = (["server", "probe", "region", "network"] as const).filter((k) => !given(k));
  if (missing.length > 0) return `missing ${missing.map((k) => `--${k}`).join(", ")} (see keepwatch agent --help)`;
  for (const s of o.server!) {
    const badUrl = serverUrlProblem(s, o.insecureLabHttp === true);
    if (badUrl) return badUrl;
  }
  const token = (o.tokenFile ? readFileSync(o.tokenFile, "utf8") : process.env.KEEPWATCH_PROBE_TOKEN ?? "").trim();
  if (!token) return "no probe token: use --token-file FILE or set KEEPWATCH_PROBE_TOKEN";
  return { servers: o.server!, probe: o.probe!, region: o.region!, network: o.network!, token, allowHttp: o.insecureLabHttp === true };
}

export async function runAgent(o: AgentCliOptions): Promise<number> {
  const id = identityOf(o);
  if (typeof id === "string") {
    console.error(`keepwatch agent: ${id}`);
    return 2;
  }
  for (const s of id.servers) {
    const problem = serverUrlProblem(s, id.allowHttp);
    if (problem) {
      console.error(`keepwatch agent: ${problem}`);
      return 2;
    }
  }
  const { probe, region, network, token } = id;
  const server = id.servers[0]!;
  const log = createLogger({ name: "keepwatch-agent" });
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
    spool: new Spool(spoolDirOf(o)),
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
export function runSpoolStatus(opts: { spool?: string; stateDir?: string; json?: boolean }): number {
  const o = { ...opts, spool: spoolDirOf(opts) };
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
export function runSpoolRequeue(o: { spool?: string; stateDir?: string }): number {
  const moved = new Spool(spoolDirOf(o)).requeue();
  console.log(`${moved} quarantined measurements are pending again; they go out with the next upload`);
  return 0;
}

/** `keepwatch agent enroll CODE --server URL`: exit 0 enrolled, 2 refused or unreachable. */
export async function runEnroll(code: string, o: { server: string[]; stateDir?: string; insecureLabHttp?: boolean }): Promise<number> {
  const stateDir = stateDirOf(o);
  try {
    const e = await enroll({ code, servers: o.server, stateDir, insecureLabHttp: o.insecureLabHttp === true });
    console.log(`enrolled as probe ${e.probeId} (${e.region}, ${e.network.id}); settings saved in ${stateDir}`);
    console.log("start measuring with: keepwatch agent");
    return 0;
  } catch (err) {
    if (!(err instanceof EnrollError)) throw err;
    console.error(`keepwatch agent enroll: ${err.message}`);
    return 2;
  }
}
