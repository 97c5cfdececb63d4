// `keepwatch serve --demo`: synthetic measurements through the real pipeline (results queue → collector →
// store → detector) into <dataDir>/demo, labelled on every page and in /metrics, no probe measuring, no alert
// channel, and the real data directory left untouched.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load.js";
import { createLogger } from "../../src/log.js";
import { packagePath } from "../../src/package-root.js";
import { DEMO_SOFTWARE } from "../../src/serve/demo.js";
import { startServer, type RunningServer } from "../../src/serve/server.js";

let dir: string;
let server: RunningServer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "kw-demo-"));
  const shipped = loadConfig(packagePath("config", "default.yaml"));
  server = await startServer({
    // A webhook channel configured: the demo must not use it.
    config: { ...shipped, dataDir: dir, alerts: { ...shipped.alerts, channels: [{ type: "webhook", name: "ops", url: "http://127.0.0.1:9/", secret: "0123456789abcdef0123", language: "en" }] } },
    dataDir: dir,
    port: 0,
    host: "127.0.0.1",
    log: createLogger({ level: "silent" }),
    demo: true,
    detectorIntervalMs: 1_000,
  });
}, 120_000);
afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe("keepwatch serve --demo", () => {
  it("runs demo probes only, with no alert channel, in a data directory of its own", () => {
    expect(server.demo).toBe(true);
    expect(server.config.probes.every((p) => p.id.startsWith("demo-") && p.mode === "remote")).toBe(true);
    expect(server.config.alerts.channels).toEqual([]);
    expect(existsSync(join(dir, "demo", "keepwatch.sqlite"))).toBe(true);
    expect(existsSync(join(dir, "keepwatch.sqlite"))).toBe(false);
  });

  it("opens a whitelist-only incident from synthetic measurements through the real pipeline", async () => {
    const end = Date.now() + 90_000;
    let incidents = await server.store.listIncidents({ limit: 50 });
    while (!incidents.some((i) => i.kind === "whitelist_only") && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 500));
      incidents = await server.store.listIncidents({ limit: 50 });
    }
    const regime = incidents.find((i) => i.kind === "whitelist_only");
    expect(regime?.region).toBe(server.config.probes[1]!.region);
    const stored = await server.store.listProbes();
    expect(stored.length).toBeGreaterThan(0);
    expect(stored.every((p) => p.id.startsWith("demo-"))).toBe(true);
    const sample = await server.store.getMeasurement(regime!.evidence.measurementIds[0]!);
    expect(sample?.probe.software).toBe(DEMO_SOFTWARE);
  }, 120_000);

  it("labels every page, permalink previews and /metrics as a demo", async () => {
    for (const path of ["/", "/ru/incidents", "/kk/probes"]) {
      const page = await (await fetch(`${server.url}${path}`)).text();
      expect(page).toMatch(/<body[^>]*>\s*<div class="kw-notice kw-notice-demo" role="alert" data-kw-demo="1">/);
      expect(page).toContain("<title>DEMO · ");
    }
    const [incident] = await server.store.listIncidents({ limit: 1 });
    expect(incident).toBeDefined();
    const permalink = await (await fetch(`${server.url}/en/incidents/${incident!.id}`)).text();
    expect(permalink).toContain('<meta property="og:title" content="DEMO · ');
    expect(permalink).toContain("kw-notice-demo");
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/^keepwatch_demo 1$/m);
    // API answers and exports carry the mark too (clients that never see a page).
    for (const path of [`/api/v1/incidents/${incident!.id}`, `/api/v1/incidents/${incident!.id}/export.csv`, "/api/v1/regions"]) {
      const res = await fetch(`${server.url}${path}`);
      await res.arrayBuffer();
      expect(res.headers.get("x-keepwatch-demo"), path).toBe("synthetic data, nothing measured");
    }
  });

  it("marks its incidents in the bodies themselves: JSON, summaries, CSV rows, region list, embed widget, previews", async () => {
    // A journalist copies a JSON or downloads a CSV: the X-KeepWatch-Demo header does not travel with it.
    const [incident] = await server.store.listIncidents({ limit: 1 });
    const detail = (await (await fetch(`${server.url}/api/v1/incidents/${incident!.id}`)).json()) as {
      demo?: boolean; incident: { summary: string }; summaries: Record<string, string>;
    };
    expect(detail.demo).toBe(true);
    expect(detail.incident.summary.startsWith("DEMO (synthetic data, nothing measured): ")).toBe(true);
    expect(detail.summaries.en!.startsWith("DEMO (synthetic data, nothing measured): ")).toBe(true);
    expect(detail.summaries.ru!.startsWith("ДЕМО (синтетические данные, ничего не измерено): ")).toBe(true);
    expect(detail.summaries.kk!.startsWith("ДЕМО (синтетикалық деректер, ештеңе өлшенбеген): ")).toBe(true);
    const list = (await (await fetch(`${server.url}/api/v1/incidents?lang=ru`)).json()) as {
      demo?: boolean; incidents: { summary: string }[]; summaries: Record<string, string>;
    };
    expect(list.demo).toBe(true);
    expect(list.incidents.every((i) => i.summary.startsWith("DEMO "))).toBe(true);
    expect(Object.values(list.summaries).every((t) => t.startsWith("ДЕМО "))).toBe(true);
    for (const path of ["/api/v1/regions", `/api/v1/regions/${incident!.region}/timeline`, `/api/v1/regions/${incident!.region}/targets`]) {
      expect(((await (await fetch(`${server.url}${path}`)).json()) as { demo?: boolean }).demo, path).toBe(true);
    }

    for (const path of [`/api/v1/incidents/${incident!.id}/export.csv`, "/api/v1/measurements/export.csv", `/api/v1/regions/${incident!.region}/targets.csv`]) {
      const [header, ...rows] = (await (await fetch(`${server.url}${path}`)).text()).trimEnd().split("\r\n");
      expect(header!.endsWith(",demo"), path).toBe(true);
      expect(rows.length, path).toBeGreaterThan(0);
      expect(rows.every((r) => r.endsWith(",true")), path).toBe(true);
    }

    // The widget other sites frame, and the preview text a link shows.
    const embed = await (await fetch(`${server.url}/embed/regions/${incident!.region}?lang=kk`)).text();
    expect(embed).toContain("<title>DEMO · ");
    expect(embed).toContain('<p class="demo" role="alert">ДЕМО (синтетикалық деректер, ештеңе өлшенбеген)</p>');
    const permalink = await (await fetch(`${server.url}/en/incidents/${incident!.id}`)).text();
    expect(permalink).toContain('<meta property="og:description" content="DEMO (synthetic data, nothing measured): ');
    const png = await fetch(`${server.url}/api/v1/incidents/${incident!.id}/chart.png`);
    expect(png.headers.get("content-type")).toBe("image/png");
  });
});
