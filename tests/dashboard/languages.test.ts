// Every word in the reader's language, in real Chromium: the incident summary rendered per language,
// evidence keys as words with shares as percentages, times to the second, the citation in UTC and local
// time, Kazakh chart dates with month names, and charts that name their time zone.
import { join } from "node:path";
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import type { Incident } from "../../src/incident.js";
import { SCREENSHOT_DIR, type TestBrowser } from "./browser.js";
import { useSeededDashboard, type SeededDashboard } from "./seeded-dashboard.js";
import type { DashboardServer } from "./server.js";

let srv: DashboardServer;
let browser: TestBrowser;
let wl: Incident;
let open: SeededDashboard["open"];

useSeededDashboard({
  historyMinutes: 8 * 60,
  episodes: (at) => [{ region: "KZ-47", network: "kcell-mobile", kind: "whitelist_only", from: at(150), to: null }],
}, (d) => {
  ({ srv, browser, open } = d);
  wl = d.incidents.find((i) => i.region === "KZ-47" && i.kind === "whitelist_only")!;
});

const RAW_KEYS = /badWindows|whitelistedObserved|nonWhitelistedUsual|siteOutagesLeftOut|measurementIds/;

describe("the incident page in the reader's language", () => {
  for (const [lang, region, ongoing] of [["kk", "Маңғыстау облысы", "жалғасуда"], ["ru", "Мангистауская область", "продолжается"], ["en", "Mangystau Region", "ongoing"]] as const) {
    it(`${lang}: summary, evidence labels, percentages, seconds and a UTC + local citation`, async () => {
      const page = await open(`/incidents/${encodeURIComponent(wl.id)}?lang=${lang}`);
      const summary = (await page.textContent("[data-testid=summary]"))!;
      expect(summary).toContain(region);
      expect(summary).toContain(ongoing);
      expect(summary).not.toContain("kcell-mobile");
      expect(summary).toContain(`${wl.startedAt.slice(0, 10)} ${wl.startedAt.slice(11, 19)} UTC`);
      if (lang !== "en") expect(summary).not.toMatch(/\b(whitelist|ongoing|from|network)\b/i);

      const evidence = (await page.textContent("[data-testid=evidence]"))!;
      expect(evidence).not.toMatch(RAW_KEYS);
      expect(evidence).toMatch(/\d\s?%/); // shares as percentages, not 0.97
      expect(evidence).not.toMatch(/\b0[.,]\d{3,}/);

      const facts = (await page.textContent("dl.facts"))!;
      expect(facts).toMatch(/\d{2}:\d{2}:\d{2} UTC/);
      const cite = (await page.textContent("[data-testid=citation]"))!;
      expect(cite).toMatch(/\d{2}:\d{2}:\d{2} UTC \(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC\+5\)/);
      await page.screenshot({ path: join(SCREENSHOT_DIR, `incident-${lang}.png`), fullPage: true });
      await page.close();
    });
  }

  it("names the failing services and shows a per-service table with a CSV", async () => {
    const page = await open(`/incidents/${encodeURIComponent(wl.id)}?lang=ru`);
    const failing = (await page.textContent("[data-testid=failing-services]"))!;
    expect(failing).toContain("Instagram");
    expect(failing).not.toContain("https://");
    expect(failing).not.toMatch(/egov|Kaspi/i); // whitelisted services kept working
    const rows = await page.locator("[data-testid=targets] table.targets-table tbody tr").count();
    expect(rows).toBeGreaterThanOrEqual(6);
    expect(await page.textContent("[data-testid=targets] table")).toMatch(/0\s?%/);
    const href = (await page.getAttribute("[data-testid=targets] a[download]", "href"))!;
    const csv = Buffer.from(await (await fetch(new URL(href, srv.url))).arrayBuffer());
    expect([...csv.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]); // spreadsheet-ready
    expect(csv.toString("utf8")).toContain("Instagram");
    await page.close();
    const region = await open("/regions/KZ-47?lang=en&network=kcell-mobile");
    expect(await region.textContent("[data-testid=targets]")).toContain("Instagram");
    expect(await region.locator("[data-testid=targets-hourly]").count()).toBe(0); // minute buckets
    await region.close();
    // Over two days the table is counted in whole hours, and says so.
    const week = await open("/regions/KZ-47?lang=en&network=kcell-mobile&range=7d");
    expect(await week.textContent("[data-testid=targets]")).toContain("Instagram");
    expect(await week.textContent("[data-testid=targets-hourly]")).toContain("whole hours");
    await week.close();
  });

  it("downloads an incident CSV holding every measurement the verdict counts, with names and a BOM", async () => {
    const page = await open(`/incidents/${encodeURIComponent(wl.id)}?lang=kk`);
    const href = (await page.getAttribute("a[download$='.csv']", "href"))!;
    await page.close();
    const bytes = Buffer.from(await (await fetch(new URL(href, srv.url))).arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const rows = bytes.subarray(3).toString("utf8").trim().split("\r\n").slice(1);
    const counted = wl.evidence.counts["measurements"] ?? 0;
    console.log(`incident CSV: ${rows.length} rows; evidence counts ${counted} measurements, samples ${wl.evidence.measurementIds.length} ids`);
    expect(rows.length).toBeGreaterThan(wl.evidence.measurementIds.length);
    expect(rows.length).toBeGreaterThanOrEqual(counted);
    const ids = new Set(rows.map((r) => r.split(",")[0]));
    for (const id of wl.evidence.measurementIds) expect(ids.has(id), id).toBe(true);
    expect(rows.some((r) => r.includes(",Маңғыстау облысы,") && r.endsWith(",Instagram,,,false"))).toBe(true); // unverified, not a demo
  });

  it("kk chart dates use Kazakh month names and every chart names its time zone", async () => {
    const page = await open("/regions/KZ-47?lang=kk&network=kcell-mobile&range=7d");
    const labels = await page.$eval("[data-testid=chart-success]", (el) => {
      const chart = (globalThis as unknown as { Chart: { getChart(c: Element): any } }).Chart.getChart(el);
      const x = chart.scales.x;
      return { ticks: x.ticks.map((t: { value: number }) => x.options.ticks.callback(t.value)), title: x.options.title.text };
    });
    expect(labels.ticks.join(" ")).not.toMatch(/М\d/);
    expect(labels.ticks.some((l: string) => /^\d{1,2} (қаң|ақп|нау|сәу|мам|мау|шіл|там|қыр|қаз|қар|жел)\.$/.test(l))).toBe(true);
    expect(labels.title).toBe("Уақыт, Asia/Almaty (UTC+5)");
    await page.close();
  });
});
