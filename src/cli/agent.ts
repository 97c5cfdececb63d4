// `keepwatch agent`: a volunteer's probe. Measures on a schedule, spools to disk, uploads with its token.
// Its options and identity are in ./agent-options.ts; `agent spool`, `requeue` and `enroll` in ./agent-spool.ts
// and ./agent-enroll.ts.
import { createLogger } from "../log.js";
import { Agent } from "../agent/agent.js";
import { Spool } from "../agent/spool.js";
import { checkLocal } from "../agent/local-check.js";
import { createTargetChecker } from "../worker/target-checker.js";
import { networkKindSchema } from "../measurement.js";
import { onShutdownSignal } from "./signals.js";
import { readTargetList } from "./target-list.js";
import { loadEnrollment, serverUrlProblem } from "../agent/state-dir.js";
import { ServerClient } from "../agent/server-client.js";
import { AssignmentSource, assignedTargets, type Assignment } from "../agent/assignment.js";
import { SOFTWARE } from "../worker/run-checks.js";
import { MeasuredInterface, parseMeasureVia, type MeasureVia } from "../agent/measure-via.js";
import { parseResolver } from "../../probes/dns.js";
import { NetworkAttribution } from "../agent/attribution.js";
import { NetworkWatch } from "../agent/network-watch.js";
import { fetchWhoami } from "../agent/whoami.js";
import { identityOf, spoolDirOf, stateDirOf, type AgentCliOptions } from "./agent-options.js";
import { runEnroll } from "./agent-enroll.js";

export type { AgentCliOptions } from "./agent-options.js";

const DEFAULT_CRON = "*/5 * * * *";
const DEFAULT_TIMEOUT_SECONDS = 10;

export async function runAgent(opts: AgentCliOptions): Promise<number> {
  let o = opts;
  if (o.enroll !== undefined) {
    // Already enrolled (a restart): the code was used up the first time; carry on as enrolled.
    if (!loadEnrollment(stateDirOf(o))) {
      const code = await runEnroll(o.enroll, { server: o.server ?? [], stateDir: stateDirOf(o), insecureLabHttp: o.insecureLabHttp === true });
      if (code !== 0) return code;
    }
    o = { ...o, server: [] };
  }
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
  let via: MeasureVia | null = null;
  if (o.measureVia !== undefined) {
    try {
      via = parseMeasureVia(o.measureVia);
    } catch (e) {
      console.error(`keepwatch agent: ${(e as Error).message}`);
      return 2;
    }
  }
  const client = new ServerClient(id.servers, token);
  const spool = new Spool(spoolDirOf(o));
  // Without --list, the server's assignment says what to measure (cached for offline starts); the
  // country's whitelist/ files are the last resort when the server has none and nothing is cached.
  const source = o.list ? null : new AssignmentSource(client, stateDirOf(o));
  const first = source ? await source.current() : null;
  let assignment: Assignment | null = first?.assignment ?? null;
  if (source && !first) log.warn({ reason: source.lastError }, "no assignment from the server and none cached; measuring the country's whitelist");
  // The whitelist modules (YAML parser, schemas) are imported only here, when a list or the whitelist/ fallback
  // is used: an agent measuring its server's assignment never holds them (tests/cli/compiled.test.ts).
  const fixedTargets = o.list ? await readTargetList(o.list)
    : assignment ? null : (await import("./targets.js")).buildTargetsForCountry(o.country);
  const helperToken = process.env.KEEPWATCH_HELPER_TOKEN?.trim() || token;
  const helpers = o.helper.length > 0 ? o.helper : assignment?.helpers ?? [];
  const cron = o.cron ?? assignment?.schedule.cron ?? DEFAULT_CRON;
  const resolver = o.resolver ?? assignment?.resolvers.resolver ?? undefined;
  if (via && resolver === undefined) {
    // The system resolver (getaddrinfo) cannot be bound to the interface; the fixed line's would be measured.
    console.error("keepwatch agent: --measure-via needs the measured network's resolver: --resolver IP (the modem's DNS " +
      "server, shown by `resolvectl dns IFACE` or `nmcli device show IFACE`) or a resolver in the server's assignment");
    return 2;
  }
  const checkerSettings = {
    resolver,
    controlResolver: o.controlResolver ?? assignment?.resolvers.controlResolver ?? undefined,
    caFiles: o.ca ? [o.ca] : [],
    notBogon: o.notBogon,
    timeoutSeconds: Number(o.timeout ?? assignment?.schedule.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS),
    // The agent's own probe token opens the helpers too (KEEPWATCH_HELPER_TOKEN when they want another).
    helpers: helpers.map((url) => ({ url, token: helperToken })),
  };
  let routeProbe: string | null = null;
  try {
    routeProbe = resolver === undefined ? null : parseResolver(resolver).host;
  } catch (e) {
    console.error(`keepwatch agent: --resolver: ${(e as Error).message}`);
    return 2;
  }
  // Before each round the agent asks the kernel where a packet from the interface's address to the resolver
  // would go: without the policy route it would leave by the fixed line, and the round measures nothing.
  const measured = via ? new MeasuredInterface(via, (localAddress) => createTargetChecker({ ...checkerSettings, localAddress }),
    undefined, routeProbe === null ? null : { destination: routeProbe }) : null;
  let lastRoundAt: string | null = null;
  // With --measure-via, the network fingerprint and the whoami request follow the measured interface. The
  // getter reads the interface's address when spread: at start for the watch, at every round for whoami.
  const measuredVia: { localAddress?: string } = {};
  if (measured) {
    Object.defineProperty(measuredVia, "localAddress", { enumerable: true,
      get: () => { const a = measured.current(); return a ? a.ipv4 ?? a.ipv6 ?? undefined : undefined; } });
  }
  const watch = new NetworkWatch({ serverHost: new URL(server).hostname, ...measuredVia });
  const attribution = new NetworkAttribution({
    fingerprint: () => watch.fingerprint(),
    // With the measured interface down, asking by the default route would attribute the fixed line: don't ask.
    whoami: () => (measured && measured.current() === null ? Promise.resolve(null) : fetchWhoami(client, { ...measuredVia, timeoutMs: 10_000 })),
    log,
  });
  const agent = new Agent({
    who: assignment ? { probeId: assignment.probeId, role: "region", region: assignment.region, network: assignment.network }
      : { probeId: probe, role: "region", region, network: { id: network, asn: o.asn ? Number(o.asn) : null, kind: kind.data } },
    targets: fixedTargets ?? (async () => assignedTargets(assignment!)),
    checker: await createTargetChecker(checkerSettings),
    spool,
    upload: { serverUrl: server, relays: id.servers.slice(1), token },
    // The resolver the probe measures with is the one whose silence makes a round "local".
    localCheck: () => checkLocal({ ...o.localCheck, ...(resolver ? { resolver } : {}) }),
    ...(measured ? { measureVia: measured } : {}),
    attribution,
    cron,
    concurrency: 8,
    log,
    // After measuring, never before: a server that does not answer cannot delay a round.
    afterRound: async (r) => {
      lastRoundAt = r.at.toISOString();
      if (source) {
        const next = await source.current();
        if (next?.origin === "server") assignment = next.assignment;
      }
      const beat = await client.send("POST", "/api/v1/agent/heartbeat", {
        version: SOFTWARE,
        spoolDepth: spool.segments().reduce((n, name) => n + spool.read(name).measurements.length, 0),
        clockOffsetMs: client.clockOffsetMs === null ? null : Math.round(client.clockOffsetMs),
        lastRoundAt,
        lastError: (r.upload.stoppedBecause ?? r.measureViaProblem ?? source?.lastError ?? null)?.slice(0, 500) ?? null,
      });
      // 200 (with the network it came from) since attribution; 204 from older servers.
      if (beat && beat.status !== 200 && beat.status !== 204) log.warn({ status: beat.status }, "heartbeat refused");
    },
  });
  if (o.once) {
    const r = await agent.round();
    log.info({ measured: r.measured, uploaded: r.upload.uploaded, pendingSegments: r.upload.segmentsLeft }, "agent round done");
    // Measurements that stay spooled are safe, but a script running --once must know they were not delivered.
    return r.upload.stoppedBecause === null ? 0 : 1;
  }
  await agent.start();
  log.info({ probe, region, targets: fixedTargets?.length ?? assignment?.targets.length ?? 0, cron, assignment: first?.origin ?? "none",
    measureVia: via ? ("interface" in via ? via.interface : "address") : null }, "agent running");
  onShutdownSignal(log, () => agent.stop());
  return 0;
}
