// The Metrics class on real parts: a SQLite store, a BullMQ queue on a real redis-server, and promtool
// checking the exposition text.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Queue } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configSchema, targetConfigSchema } from "../../src/config/schema.js";
import type { Measurement } from "../../src/measurement.js";
import { Metrics } from "../../src/metrics/metrics.js";
import { ResultsBacklog } from "../../src/queue/results-backlog.js";
import { SqliteStore } from "../../src/store/sqlite.js";
import { fixtureMeasurement } from "../fixtures/measurement.js";
import { startTestRedis, type TestRedis } from "../helpers/redis.js";

const NOW = new Date("2026-03-10T12:00:00.000Z");
const ago = (min: number) => new Date(NOW.getTime() - min * 60_000).toISOString();

/**
 * prom-client's stock gauges nodejs_active_{handles,requests,resources}_total keep their standard names (what
 * Node.js dashboards query) although promtool wants _total for counters only; those three lines, and nothing
 * else, are accepted.
 */
const STOCK_GAUGE_LINT = /^nodejs_active_(handles|requests|resources)_total non-counter metrics should not have "_total" suffix$/;

function promtoolCheck(text: string): { status: number | null; output: string; problems: string[] } {
  const r = spawnSync("promtool", ["check", "metrics"], { input: text, encoding: "utf8" });
  const output = `${r.stdout}${r.stderr}`;
  const problems = output.split("\n").filter((l) => l.trim() !== "" && !STOCK_GAUGE_LINT.test(l.trim()));
  return { status: r.status, output, problems };
}

describe("Metrics", () => {
  let dir: string;
  let store: SqliteStore;
  let redis: TestRedis;
  let queue: Queue;
  let metrics: Metrics;
  const config = configSchema.parse({
    regions: [
      { id: "KZ-47", names: { kk: "a", ru: "b", en: "c" }, networks: ["kcell-mobile"] },
      { id: "KZ-75", names: { kk: "a", ru: "b", en: "c" }, networks: [] },
    ],
    networks: [{ id: "kcell-mobile", name: "Kcell", kind: "mobile" }],
  });
  const targets = [
    targetConfigSchema.parse({ url: "https://example.test/", list: "whitelisted", category: "gov" }),
    targetConfigSchema.parse({ url: "https://t.me/", list: "non_whitelisted", category: "messenger" }),
  ];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "kw-metrics-"));
    store = new SqliteStore(join(dir, "kw.db"));
    await store.migrate();
    redis = await startTestRedis();
    queue = new Queue("results", { connection: { host: "127.0.0.1", port: redis.port } });
    await queue.add("r", { n: 1 });
    await queue.add("r", { n: 2 });
    await queue.add("r", { n: 3 }, { delay: 60_000 });
    metrics = new Metrics({
      store, config, targets, queues: [queue], resultsBacklog: new ResultsBacklog(queue), clock: () => NOW, queueTimeoutMs: 500,
      build: { version: "9.9.9", commit: "0123456789abcdef0123456789abcdef01234567", node: "v20.0.0" },
    });
  });
  afterAll(async () => {
    await queue.close();
    await redis.cleanup();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("counts measurements by outcome and observes phases and throughput", async () => {
    const ms: Measurement[] = [
      fixtureMeasurement({ region: "KZ-47", network: "kcell-mobile", startedAt: ago(3), bytesPerSecond: 3_000_000 }),
      fixtureMeasurement({ region: "KZ-47", network: "kcell-mobile", list: "non_whitelisted", accessible: false, blocking: "http-diff", startedAt: ago(3) }),
      fixtureMeasurement({ region: "KZ-47", network: "kcell-mobile", list: "non_whitelisted", accessible: false, blocking: null, startedAt: ago(2) }),
    ];
    await store.insertMeasurements(ms);
    metrics.recordMeasurements(ms);
    const text = await metrics.render();
    expect(text).toContain('keepwatch_measurements_total{region="KZ-47",network="kcell-mobile",list="non_whitelisted",outcome="blocked_http_diff"} 1');
    expect(text).toContain('keepwatch_measurements_total{region="KZ-47",network="kcell-mobile",list="non_whitelisted",outcome="down"} 1');
    // The fixture has no HTTP hop: DNS 0.01 s, connect 0.02 s, TLS 0.05 s, total 0.2 s.
    expect(text).toContain('keepwatch_phase_duration_seconds_count{phase="tls",region="KZ-47"} 3');
    expect(text).toContain('keepwatch_phase_duration_seconds_bucket{le="0.025",phase="connect",region="KZ-47"} 3');
    expect(text).toContain('keepwatch_phase_duration_seconds_bucket{le="0.1",phase="total",region="KZ-47"} 0');
    expect(text).toContain('keepwatch_target_checks_total{region="KZ-47",network="kcell-mobile",target="https://example.test/",outcome="ok"} 1');
    expect(text).toContain('keepwatch_target_checks_total{region="KZ-47",network="kcell-mobile",target="https://example.test/",outcome="blocked"} 1');
    expect(text).toContain('keepwatch_target_checks_total{region="KZ-47",network="kcell-mobile",target="https://example.test/",outcome="down"} 1');
    expect(text).toContain('keepwatch_throughput_bytes_per_second_bucket{le="5000000",region="KZ-47",network="kcell-mobile"} 1');
  });

  it("reads gauges from the store and the queues at scrape time", async () => {
    await store.saveIncident({
      id: "i1", region: "KZ-47", network: "kcell-mobile", kind: "throttling", status: "open", startedAt: ago(30),
      lastGoodAt: null, endedAt: null, targets: [], summary: "slow", confidence: "suspected",
      evidence: { measurementIds: [], counts: {}, probes: [], networks: [], figures: {} }, revisedAt: null, revisions: [],
    });
    const text = await metrics.render();
    expect(text).toContain('keepwatch_region_state{region="KZ-47",network="all",state="throttling"} 1');
    expect(text).toContain('keepwatch_region_state{region="KZ-47",network="all",state="normal"} 0');
    expect(text).toContain('keepwatch_region_state{region="KZ-47",network="kcell-mobile",state="throttling"} 1');
    expect(text).toContain('keepwatch_region_state{region="KZ-47",network="kcell-mobile",state="normal"} 0');
    expect(text).toContain('keepwatch_region_state{region="KZ-75",network="all",state="unknown"} 1');
    expect(text).toContain('keepwatch_success_ratio{region="KZ-47",network="kcell-mobile",list="non_whitelisted"} 0');
    expect(text).toContain('keepwatch_incidents{kind="throttling",status="open"} 1');
    expect(text).toContain('keepwatch_incidents{kind="dark",status="open"} 0');
    expect(text).toMatch(/keepwatch_probe_last_seen_timestamp_seconds\{probe="probe-1",region="KZ-47"\} 1773143880(\.0*)?\n/);
    expect(text).toContain('keepwatch_queue_jobs{queue="results",state="waiting"} 2');
    expect(text).toContain('keepwatch_queue_jobs{queue="results",state="delayed"} 1');
    // prom-client's standard names, as stock Node.js dashboards query them; nothing renamed keepwatch_process_*.
    expect(text).toMatch(/^process_cpu_seconds_total /m);
    expect(text).toMatch(/^process_resident_memory_bytes /m);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds /m);
    expect(text).toMatch(/^nodejs_heap_size_used_bytes /m);
    expect(text).not.toMatch(/^keepwatch_(process|nodejs)_/m);
    expect(text).toContain('keepwatch_build_info{version="9.9.9",commit="0123456789abcdef0123456789abcdef01234567",node="v20.0.0"} 1');
    expect(text).toMatch(/^keepwatch_demo 0$/m);
  });

  it("counts an incident opening once", async () => {
    const inc = (await store.getIncident("i1"))!;
    metrics.recordIncident(inc);
    metrics.recordIncident({ ...inc, revisedAt: ago(1) });
    expect(await metrics.render()).toContain('keepwatch_incidents_opened_total{kind="throttling"} 1');
  });

  it("passes promtool check metrics and carries no address", async () => {
    const text = await metrics.render();
    const check = promtoolCheck(text);
    expect(check.problems).toEqual([]);
    // Only the three accepted stock-gauge lines made promtool exit non-zero (it exits 3 on lint findings).
    expect(check.status === 0 || check.output.includes("nodejs_active_")).toBe(true);
    // Three jobs pending (two waiting, one delayed), the oldest added when the suite started.
    expect(text).toMatch(/^keepwatch_results_backlog\{queue="results"\} 3$/m);
    expect(text).toMatch(/^keepwatch_results_backlog_oldest_age_seconds\{queue="results"\} \d/m);
    expect(text).not.toMatch(/\b\d{1,3}(\.\d{1,3}){3}\b/); // the fixtures' 198.18.0.10 must not leak
    // promtool really judges: a counter without _total is reported.
    expect(promtoolCheck("# HELP bad_counter x\n# TYPE bad_counter counter\nbad_counter 1\n").problems.join()).toMatch(/_total/);
  });

  it("drops queue series when Redis is unreachable instead of failing the scrape", async () => {
    await redis.stop();
    const text = await metrics.render();
    expect(text).not.toContain("keepwatch_queue_jobs{");
    expect(text).not.toMatch(/^keepwatch_results_backlog/m);
    expect(text).toContain("keepwatch_region_state{");
    await redis.restart();
  });
});

describe("per-target series", () => {
  const config = configSchema.parse({
    regions: [{ id: "KZ-47", names: { kk: "a", ru: "b", en: "c" }, networks: ["kcell-mobile"] }],
    networks: [{ id: "kcell-mobile", name: "Kcell", kind: "mobile" }],
  });
  const targets = ["https://a.test/", "https://b.test/", "https://c.test/"].map((url) =>
    targetConfigSchema.parse({ url, list: "non_whitelisted", category: "social" }),
  );
  const series = (text: string) => text.split("\n").filter((l) => l.startsWith("keepwatch_target_checks_total{"));

  it("labels only configured targets, regions and networks; an upload cannot mint series", async () => {
    const metrics = new Metrics({ config, targets, processMetrics: false });
    metrics.recordMeasurements([
      fixtureMeasurement({ region: "KZ-47", network: "kcell-mobile", url: "https://a.test" }), // normalised to a.test/
      fixtureMeasurement({ region: "KZ-47", network: "kcell-mobile", url: "https://attacker.test/?x=${Math.random()}" }),
      fixtureMeasurement({ region: "KZ-47", network: "forged-net", url: "https://b.test/" }),
      fixtureMeasurement({ region: "XX-99", network: "kcell-mobile", url: "https://b.test/" }),
    ]);
    const text = await metrics.render();
    expect(series(text)).toEqual(['keepwatch_target_checks_total{region="KZ-47",network="kcell-mobile",target="https://a.test/",outcome="ok"} 1']);
    expect(text).toContain('keepwatch_target_checks_dropped_total{reason="unconfigured"} 3');
    expect(text).toContain('keepwatch_target_checks_dropped_total{reason="cap"} 0');
    expect(text).not.toContain("attacker");
  });

  it("keeps at most maxTargetSeries (region, network, target) series and counts the checks it drops", async () => {
    const metrics = new Metrics({ config, targets, processMetrics: false, maxTargetSeries: 2 });
    const ms = targets.flatMap((t) => [
      fixtureMeasurement({ region: "KZ-47", network: "kcell-mobile", url: t.url }),
      fixtureMeasurement({ region: "KZ-47", network: "kcell-mobile", url: t.url, accessible: false, blocking: "dns" }),
    ]);
    metrics.recordMeasurements(ms);
    const text = await metrics.render();
    const kept = new Set(series(text).map((l) => /target="([^"]+)"/.exec(l)?.[1]));
    expect([...kept].sort()).toEqual(["https://a.test/", "https://b.test/"]);
    // An existing series keeps counting (both outcomes of a and b), c's two checks are dropped.
    expect(text).toContain('keepwatch_target_checks_total{region="KZ-47",network="kcell-mobile",target="https://b.test/",outcome="blocked"} 1');
    expect(text).toContain('keepwatch_target_checks_dropped_total{reason="cap"} 2');
  });
});

describe("measurementOutcome", () => {
  it("never labels an undetermined failure as blocking", async () => {
    const { measurementOutcome } = await import("../../src/metrics/measurement-observations.js");
    const base = fixtureMeasurement({ accessible: false, blocking: "dns", failure: "dns_servfail" });
    expect(measurementOutcome(base)).toBe("blocked_dns");
    expect(measurementOutcome({ ...base, verdict: { ...base.verdict, determined: false } })).toBe("failed_dns");
    expect(measurementOutcome(fixtureMeasurement({ accessible: false, blocking: "http-diff" }))).toBe("blocked_http_diff");
    expect(measurementOutcome(fixtureMeasurement({ accessible: false, blocking: null }))).toBe("down");
    expect(measurementOutcome(fixtureMeasurement())).toBe("ok");
  });
});
