// The shipped Prometheus rules and Grafana dashboard (deploy/) against the real thing: promtool checks and
// unit-tests the rules, every metric a rule or a dashboard query reads is in a real /metrics scrape of a
// running `keepwatch serve`, and a real Prometheus scrapes that server, loads the rules, evaluates every
// dashboard query, and raises the shutdown alert for a region in an open full_shutdown incident.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sha256Hex } from "../../src/api/auth.js";
import { createLogger } from "../../src/log.js";
import { packagePath } from "../../src/package-root.js";
import { freeLoopbackPort } from "../../src/serve/embedded-redis.js";
import { startServer, type RunningServer } from "../../src/serve/server.js";
import { testConfig, testIncident } from "../api/harness.js";
import { fixtureMeasurement } from "../fixtures/measurement.js";
import { exposedMetricNames, promqlMetricNames } from "./promql-names.js";

const RULES = packagePath("deploy", "prometheus", "keepwatch-rules.yml");
const RULES_TEST = packagePath("deploy", "prometheus", "keepwatch-rules.test.yml");
const DASHBOARD = packagePath("deploy", "grafana", "keepwatch.json");
const TOKEN = "kwp_prometheus-test-token";
const TARGET = "https://t.me/";

interface RuleFile { groups: { rules: { alert?: string; expr: string }[] }[] }
interface Dashboard {
  panels: { title: string; targets?: { expr: string }[] }[];
  templating: { list: { query?: unknown }[] };
}
const rules = () => (parseYaml(readFileSync(RULES, "utf8")) as RuleFile).groups.flatMap((g) => g.rules);
const dashboard = () => JSON.parse(readFileSync(DASHBOARD, "utf8")) as Dashboard;
const dashboardQueries = (d: Dashboard) => [
  ...d.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr)),
  ...d.templating.list.flatMap((v) => (typeof v.query === "string" && v.query.includes("(") ? [v.query] : [])),
];
/** Grafana's variables as a Prometheus query would see them with "All" chosen. */
const asPromql = (q: string) => q.replace(/\$__rate_interval/g, "1m").replace(/\$\w+/g, ".*");

function promtool(...args: string[]): { status: number | null; output: string } {
  const r = spawnSync("promtool", args, { encoding: "utf8", timeout: 60_000 });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

describe("promql-names", () => {
  it("finds metric names and leaves out functions, labels, keywords and variables", () => {
    expect(promqlMetricNames('histogram_quantile(0.9, sum by (le, phase) (rate(a_bucket{region=~"$region"}[$__rate_interval])))')).toEqual(["a_bucket"]);
    expect(promqlMetricNames("time() - b_seconds > 1e3 and on (x) c_total offset 5m").sort()).toEqual(["b_seconds", "c_total"]);
    expect(promqlMetricNames("label_values(d_state, region)")).toEqual(["d_state"]);
  });
});

describe("shipped alert rules (deploy/prometheus)", () => {
  it("pass promtool check rules", () => {
    const r = promtool("check", "rules", RULES);
    expect(r.output).toContain("SUCCESS: 9 rules found");
    expect(r.status).toBe(0);
  });

  it("pass their promtool unit tests (input series → expected alerts)", () => {
    const r = promtool("test", "rules", RULES_TEST);
    expect(r.output).toContain("SUCCESS");
    expect(r.status).toBe(0);
  });

  it("cover the alerts the operator needs, each unit-tested", () => {
    const names = rules().map((r) => r.alert);
    for (const a of ["KeepWatchRegionShutdown", "KeepWatchRegionWhitelistOnly", "KeepWatchRegionDark", "KeepWatchResultsBacklogGrowing",
      "KeepWatchStoreUnavailable", "KeepWatchProbeSilent", "KeepWatchScrapeDown"]) expect(names).toContain(a);
    const tested = readFileSync(RULES_TEST, "utf8");
    for (const a of names) expect(tested).toContain(`alertname: ${a}`);
  });

  it("fail their unit tests when a rule is broken (the tests can fail)", () => {
    const dir = mkdtempSync(join(tmpdir(), "kw-rules-"));
    try {
      copyFileSync(RULES_TEST, join(dir, "keepwatch-rules.test.yml"));
      // A shutdown rule that looks at the wrong state never fires.
      writeFileSync(join(dir, "keepwatch-rules.yml"), readFileSync(RULES, "utf8").replace('state="full_shutdown"', 'state="throttling"'));
      const r = promtool("test", "rules", join(dir, "keepwatch-rules.test.yml"));
      expect(r.status).not.toBe(0);
      expect(r.output).toContain("KeepWatchRegionShutdown");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("against a running keepwatch serve and a real Prometheus", () => {
  let dir: string;
  let server: RunningServer;
  let scrape: string;
  let prometheus: ChildProcess | null = null;
  let promUrl: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "kw-prom-"));
    server = await startServer({
      config: testConfig({
        dataDir: dir,
        targets: { fromWhitelist: false, extra: [{ url: TARGET, list: "non_whitelisted", category: "messenger" }] },
      }),
      dataDir: dir,
      port: 0,
      host: "127.0.0.1",
      log: createLogger({ level: "silent" }),
      schedule: false,
      detectorIntervalMs: 3_600_000,
    });
    await server.store.saveProbeToken({ probeId: "probe-47", region: "KZ-47", tokenHash: sha256Hex(TOKEN), createdAt: new Date().toISOString(), revokedAt: null });
    // One upload through the real path (API → Redis → collector → store → metrics), with a throughput figure.
    const m = fixtureMeasurement({ probeId: "probe-47", region: "KZ-47", network: "kcell-mobile", url: TARGET, list: "non_whitelisted",
      startedAt: new Date().toISOString(), bytesPerSecond: 2_000_000 });
    const res = await fetch(`${server.url}/api/v1/measurements`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ measurements: [m] }),
    });
    expect(res.status).toBe(202);
    for (let i = 0; i < 300 && !(await server.store.getMeasurement(m.id)); i++) await new Promise((r) => setTimeout(r, 100));
    await server.store.saveIncident(testIncident({ id: "shutdown-47", region: "KZ-47", network: null, kind: "full_shutdown", startedAt: new Date(Date.now() - 600_000).toISOString() }));
    scrape = await (await fetch(`${server.url}/metrics`)).text();
  }, 120_000);

  afterAll(async () => {
    if (prometheus && prometheus.exitCode === null) {
      const p = prometheus;
      await new Promise<void>((r) => {
        p.once("exit", () => r());
        p.kill("SIGTERM");
      });
    }
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it("exposes every metric the alert rules read", () => {
    const exposed = exposedMetricNames(scrape);
    const read = rules().flatMap((r) => promqlMetricNames(r.expr)).filter((n) => n !== "up"); // up is Prometheus' own
    expect(read.length).toBeGreaterThan(5);
    expect(read.filter((n) => !exposed.has(n))).toEqual([]);
  });

  it("exposes every metric the Grafana dashboard queries", () => {
    const exposed = exposedMetricNames(scrape);
    const queries = dashboardQueries(dashboard());
    expect(queries.length).toBeGreaterThan(20);
    const read = [...new Set(queries.flatMap(promqlMetricNames))];
    expect(read).toContain("keepwatch_target_checks_total");
    expect(read).toContain("process_resident_memory_bytes");
    expect(read.filter((n) => !exposed.has(n))).toEqual([]);
    // And the check is real: a misspelt name is caught.
    expect(exposed.has("keepwatch_region_states")).toBe(false);
  });

  it("is scraped by Prometheus, which evaluates every dashboard query and raises the shutdown alert", async () => {
    const port = await freeLoopbackPort();
    promUrl = `http://127.0.0.1:${port}`;
    const target = new URL(server.url).host;
    const configPath = join(dir, "prometheus.yml");
    writeFileSync(configPath, [
      "global: { scrape_interval: 1s, evaluation_interval: 1s }",
      `rule_files: [${JSON.stringify(RULES)}]`,
      "scrape_configs:",
      `  - { job_name: keepwatch, static_configs: [{ targets: [${JSON.stringify(target)}] }] }`,
      "",
    ].join("\n"));
    prometheus = spawn("prometheus", [`--config.file=${configPath}`, `--storage.tsdb.path=${join(dir, "tsdb")}`,
      `--web.listen-address=127.0.0.1:${port}`, "--log.level=warn"], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    prometheus.stderr?.on("data", (b: Buffer) => (stderr += b.toString()));

    const api = async (path: string): Promise<{ status: string; data: unknown }> => {
      const res = await fetch(`${promUrl}${path}`);
      return (await res.json()) as { status: string; data: unknown };
    };
    const until = async <T>(what: string, get: () => Promise<T | null>, timeoutMs = 60_000): Promise<T> => {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const v = await get().catch(() => null);
        if (v !== null) return v;
        if (Date.now() > end || prometheus?.exitCode !== null) throw new Error(`timed out waiting for ${what}; prometheus said: ${stderr.slice(-1000)}`);
        await new Promise((r) => setTimeout(r, 250));
      }
    };
    type Vector = { result: { metric: Record<string, string> }[] };
    const build = await until("keepwatch_build_info scraped", async () => {
      const r = (await api("/api/v1/query?query=keepwatch_build_info")).data as Vector;
      return r.result.length > 0 ? r.result[0]!.metric : null;
    });
    expect(build.job).toBe("keepwatch");
    expect(build.version).toBe("0.1.0");

    for (const q of dashboardQueries(dashboard())) {
      if (q.startsWith("label_values(")) continue; // Grafana's, not PromQL
      const r = await api(`/api/v1/query?query=${encodeURIComponent(asPromql(q))}`);
      expect({ q, status: r.status }).toEqual({ q, status: "success" });
    }

    const alert = await until("KeepWatchRegionShutdown pending or firing", async () => {
      const r = (await api("/api/v1/alerts")).data as { alerts: { labels: Record<string, string>; state: string }[] };
      return r.alerts.find((a) => a.labels.alertname === "KeepWatchRegionShutdown") ?? null;
    });
    expect(alert.labels.region).toBe("KZ-47");
    expect(["pending", "firing"]).toContain(alert.state);
    const health = (await api("/api/v1/rules")).data as { groups: { rules: { health: string; name: string }[] }[] };
    expect(health.groups.flatMap((g) => g.rules).filter((r) => r.health !== "ok" && r.health !== "unknown")).toEqual([]);
  }, 120_000);
});
