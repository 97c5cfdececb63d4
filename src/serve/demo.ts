// `keepwatch serve --demo`: a clearly labelled demonstration that measures nothing. Synthetic measurements
// from made-up probes go through the real pipeline (results queue → collector → store → detector →
// incidents → API, dashboard, metrics), into a store of their own (<dataDir>/demo), with alert channels off.
// One region lives under a whitelist-only regime that began 40 minutes ago; the others are normal.
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import type { KeepWatchConfig, ProbeConfig, TargetConfig } from "../config/schema.js";
import type { Logger } from "../log.js";
import type { Measurement } from "../measurement.js";

export const DEMO_SOFTWARE = "keepwatch-demo";
/** Demo measurements come this often, and the history written at start covers this long. */
const STEP_MS = 60_000;
const HISTORY_MS = 3 * 3600_000;
const REGIME_STARTED_AGO_MS = 40 * 60_000;
/** A few targets per list are plenty to show the shape. */
const TARGETS_PER_LIST = 4;

export function demoDataDir(dataDir: string): string {
  return join(dataDir, "demo");
}

interface DemoProbe {
  probe: ProbeConfig;
  /** The demo's story: this probe's region is under whitelist-only since REGIME_STARTED_AGO_MS. */
  whitelistOnly: boolean;
}

/**
 * The configuration the demo runs: the operator's regions, networks and targets, but demo probes instead of
 * theirs (no local probe measures anything), a detector window of one minute so the story unfolds in
 * minutes, and no alert channel (a demo must never send an alert).
 */
export function demoConfig(config: KeepWatchConfig, dataDir: string): { config: KeepWatchConfig; probes: DemoProbe[] } {
  const probes: DemoProbe[] = [];
  const regions = config.regions.slice(0, 3);
  const networks = config.networks.filter((n) => !/control/.test(n.id));
  regions.forEach((r, i) => {
    const network = r.networks && r.networks.length > 0 ? r.networks[0]! : networks[i % Math.max(1, networks.length)]?.id;
    if (!network) return;
    probes.push({ probe: { id: `demo-${r.id.toLowerCase()}`, region: r.id, network, role: "region", mode: "remote", confirmed: true }, whitelistOnly: i === 1 });
  });
  const control = config.controls[0];
  const controlNetwork = config.probes.find((p) => p.role === "control")?.network ?? config.networks.at(-1)?.id;
  if (control && controlNetwork) {
    probes.push({ probe: { id: "demo-control", region: control.id, network: controlNetwork, role: "control", mode: "remote", confirmed: true }, whitelistOnly: false });
  }
  return {
    probes,
    config: {
      ...config,
      dataDir,
      // A store of its own in the demo directory, whatever the configuration's store is: demo data never
      // mixes with real measurements (in PostgreSQL or elsewhere).
      store: { ...config.store, url: "sqlite" },
      probes: probes.map((p) => p.probe),
      alerts: { ...config.alerts, channels: [] },
      detector: { ...config.detector, windowSeconds: 60, darkAfterSeconds: 300, baselineRefreshSeconds: 60, warmupWindows: 6 },
    },
  };
}

/** Synthetic measurements of one probe at one time: every target works, except non-whitelisted ones under the regime. */
export function demoMeasurements(config: KeepWatchConfig, demo: DemoProbe, targets: TargetConfig[], at: Date, regimeSince: Date): Measurement[] {
  const network = config.networks.find((n) => n.id === demo.probe.network);
  const picked = [
    ...targets.filter((t) => t.list === "whitelisted").slice(0, TARGETS_PER_LIST),
    ...targets.filter((t) => t.list === "non_whitelisted").slice(0, TARGETS_PER_LIST),
  ];
  return picked.map((t, i) => {
    const cut = demo.whitelistOnly && at >= regimeSince && t.list === "non_whitelisted";
    const host = new URL(t.url).hostname;
    // Documentation addresses (RFC 5737): nothing here was ever resolved.
    const address = `198.51.100.${10 + i}`;
    const connect = 0.02 + ((at.getTime() / STEP_MS + i) % 7) * 0.003;
    return {
      version: 1,
      id: randomUUID(),
      probe: { id: demo.probe.id, role: demo.probe.role, software: DEMO_SOFTWARE },
      region: demo.probe.region,
      network: { id: demo.probe.network, asn: network?.asn ?? null, kind: network?.kind ?? "unknown" },
      target: { url: t.url, list: t.list, category: t.category },
      startedAt: new Date(at.getTime() + i * 100).toISOString(),
      check: {
        url: t.url,
        dns: [{ query: host, resolver: "system", transport: "system", rcode: "NOERROR", answers: [], addresses: [address],
          cnameChain: [], bogons: [], failure: null, time: 0.01 }],
        controlDns: null,
        tcp: [{ address, port: 443, failure: cut ? "tcp_timeout" : null, connectTime: cut ? null : connect }],
        tls: cut ? [] : [{ address, port: 443, serverName: host, alpn: "http/1.1", protocol: "TLSv1.3", failure: null,
          handshakeTime: connect * 2, certificate: null }],
        http: null,
        time: cut ? 10 : connect * 4,
      },
      verdict: { accessible: !cut, blocking: cut ? "tcp" : null, failure: cut ? "tcp_timeout" : null, determined: true },
      throughput: null,
    } satisfies Measurement;
  });
}

/** Feeds the demo: the last three hours at once, then one round a minute, through `enqueue` (the results queue). */
export class DemoFeed {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> = Promise.resolve();
  private readonly regimeSince: Date;

  constructor(
    private readonly config: KeepWatchConfig,
    private readonly probes: DemoProbe[],
    private readonly targets: TargetConfig[],
    private readonly enqueue: (ms: Measurement[]) => Promise<unknown>,
    private readonly log: Logger,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.regimeSince = new Date(this.now().getTime() - REGIME_STARTED_AGO_MS);
  }

  private round(at: Date): Measurement[] {
    return this.probes.flatMap((p) => demoMeasurements(this.config, p, this.targets, at, this.regimeSince));
  }

  async start(): Promise<void> {
    const end = this.now().getTime();
    for (let t = end - HISTORY_MS; t <= end; t += STEP_MS) await this.enqueue(this.round(new Date(t)));
    this.log.info({ probes: this.probes.map((p) => p.probe.id) }, "demo: synthetic history queued; one synthetic round a minute from now on");
    this.timer = setInterval(() => {
      this.running = this.enqueue(this.round(this.now())).then(
        () => undefined,
        (e: unknown) => this.log.warn({ err: e }, "demo: queueing a synthetic round failed; the next one retries"),
      );
    }, STEP_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }
}
