// The dashboard in real headless Chromium against the real app, SQLite store and detector: seeded
// measurements → detector incidents → what a visitor sees. Screenshots of the main views (desktop and
// 360 px phone) go to test-output/screenshots/ for a human to judge the design.
import { join } from "node:path";
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import type { KeepWatchConfig } from "../../src/config/schema.js";
import type { Incident } from "../../src/incident.js";
import { SCREENSHOT_DIR, paintedPixels, waitForView, type TestBrowser } from "./browser.js";
import { runDetector } from "./detect.js";
import { seedMeasurements, type Episode } from "./seed.js";
import { useSeededDashboard, type SeededDashboard } from "./seeded-dashboard.js";
import type { DashboardServer } from "./server.js";

let config: KeepWatchConfig;
let srv: DashboardServer;
let browser: TestBrowser;
/** The seeded history ends here; the live-update test adds the minutes from here to the real clock. */
let seedEnd: Date;
let episodes: Episode[];
let incidents: Incident[];
let whitelistIncident: Incident;
let open: SeededDashboard["open"];

useSeededDashboard({
  historyMinutes: 8 * 60, endMinutesAgo: 20, silent: ["KZ-62"],
  episodes: (at) => [
    { region: "KZ-47", network: "kcell-mobile", kind: "whitelist_only", from: at(150), to: null },
    { region: "KZ-47", network: "beeline-mobile", kind: "whitelist_only", from: at(150), to: null },
    { region: "KZ-23", network: "kcell-mobile", kind: "full_shutdown", from: at(300), to: at(180) },
    { region: "KZ-10", network: "beeline-mobile", kind: "throttling", from: at(110), to: null },
  ],
}, (d) => {
  ({ config, srv, browser, seedEnd, episodes, incidents, open } = d);
  const wl = incidents.find((i) => i.region === "KZ-47" && i.network === "kcell-mobile" && i.kind === "whitelist_only");
  if (!wl) throw new Error(`detector found no whitelist-only incident in KZ-47: ${JSON.stringify(incidents.map((i) => [i.region, i.network, i.kind]))}`);
  whitelistIncident = wl;
});

const shot = (page: Page, name: string) => page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });

describe("dashboard in Chromium", () => {
  it("shows the national summary and the detector's incident on the region grid", async () => {
    const page = await open("/");
    const regions = (await (await fetch(`${srv.url}/api/v1/regions`)).json()) as { regions: { state: string }[] };
    const affected = regions.regions.filter((r) => r.state !== "normal" && r.state !== "unknown").length;
    expect(affected).toBeGreaterThanOrEqual(2); // KZ-47 whitelist-only and KZ-10 throttling at least
    const headline = await page.textContent("[data-testid=headline]");
    expect(headline).toContain(`${affected} of 20 regions affected`);
    expect(headline).toContain("Whitelist only: 1");

    expect(await page.locator(".grid .card").count()).toBe(20);
    const card = page.locator('.card[data-region="KZ-47"]');
    expect(await card.getAttribute("data-state")).toBe("whitelist_only");
    expect(await card.locator("h3").textContent()).toBe("Mangystau Region");
    const kcell = card.locator('.net[data-network="kcell-mobile"]');
    expect(await kcell.getAttribute("data-state")).toBe("whitelist_only");
    expect(await kcell.locator(".badge").textContent()).toContain("Whitelist only"); // text, not colour alone
    expect(await page.locator('.card[data-region="KZ-62"]').getAttribute("data-state")).toBe("unknown");

    const link = page.locator(`.incident-list a[href="/incidents/${encodeURIComponent(whitelistIncident.id)}?lang=en"]`);
    expect(await link.count()).toBe(1);
    expect(browser.foreignRequests).toEqual([]);
    await shot(page, "summary-desktop");
    await page.close();
  });

  it("renders the incident permalink with times, evidence, downloads and a citation", async () => {
    const inc = whitelistIncident;
    const page = await open(`/incidents/${encodeURIComponent(inc.id)}`);
    expect(await page.textContent("h1")).toBe("Whitelist only: Mangystau Region");
    const facts = await page.textContent("dl.facts");
    const utc = `${inc.startedAt.slice(0, 10)} ${inc.startedAt.slice(11, 19)} UTC`;
    expect(facts).toContain(utc);
    expect(facts).toContain("UTC+5"); // Asia/Almaty, the configured zone
    expect(facts).toContain(inc.confidence === "confirmed" ? "Confirmed" : "Suspected");
    expect(facts).toContain("Kcell");

    const cite = await page.textContent("[data-testid=citation]");
    expect(cite).toContain("Whitelist only on Kcell (mobile) in Mangystau Region");
    expect(cite).toContain(`${srv.url}/incidents/${encodeURIComponent(inc.id)}`);
    expect(cite).toContain(`${utc} (`); // UTC and the local reading, to the second
    expect(cite).toContain("UTC+5)");

    const evidenceRows = await page.locator("[data-testid=evidence] .ids li").count();
    expect(evidenceRows).toBe(Math.min(20, inc.evidence.measurementIds.length));
    expect(evidenceRows).toBeGreaterThan(0);

    const jsonHref = await page.getAttribute("a[download$='.json']", "href");
    const csvHref = await page.getAttribute("a[download$='.csv']", "href");
    const json = (await (await fetch(new URL(jsonHref!, srv.url))).json()) as { incident: Incident };
    expect(json.incident.id).toBe(inc.id);
    const csv = await fetch(new URL(csvHref!, srv.url));
    expect(csv.headers.get("content-type")).toMatch(/text\/csv/);
    expect((await csv.text()).trim().split("\n").length).toBeGreaterThan(1);

    const painted = await paintedPixels(page, "[data-testid=chart-incident]");
    expect(painted.painted).toBeGreaterThan(0);
    await shot(page, "incident-desktop");

    // Another zone changes the local reading and the citation, never the UTC one.
    await page.selectOption("#zone-select", "Europe/Moscow");
    await page.waitForFunction(() => document.querySelector("[data-testid=citation]")?.textContent?.includes("UTC+3)"));
    expect(await page.textContent("dl.facts")).toContain(utc);
    await page.selectOption("#zone-select", "Asia/Almaty");
    await page.close();
  });

  it("draws the region timelines with the incident shaded as a band", async () => {
    const page = await open("/regions/KZ-47?network=kcell-mobile");
    for (const id of ["chart-success", "chart-throughput", "chart-dns"]) {
      const p = await paintedPixels(page, `[data-testid=${id}]`);
      expect(p.total, id).toBeGreaterThan(0);
      expect(p.painted, id).toBeGreaterThan(0);
    }
    // Sample the success chart inside the band (right after the incident starts) and well before it.
    const samples = await page.$eval("[data-testid=chart-success]", (el, startedAt) => {
      const canvas = el as HTMLCanvasElement;
      const chart = (globalThis as unknown as { Chart: { getChart(c: HTMLCanvasElement): any } }).Chart.getChart(canvas);
      const area = chart.chartArea;
      const x0 = chart.scales.x.getPixelForValue(new Date(startedAt).getTime());
      const ratio = canvas.width / canvas.clientWidth;
      const ctx = canvas.getContext("2d")!;
      const px = (x: number, y: number) => Array.from(ctx.getImageData(Math.round(x * ratio), Math.round(y * ratio), 1, 1).data);
      const midY = (area.top + area.bottom) / 2 + 7; // between grid lines and away from the data lines
      return { inside: px(x0 + 12, midY), before: px(area.left + 12, midY) };
    }, whitelistIncident.startedAt);
    const [r, g, b, a] = samples.inside;
    expect(a).toBeGreaterThan(0); // shaded
    expect(r! - b!).toBeGreaterThan(80); // Okabe–Ito orange, the whitelist-only colour
    expect(g).toBeGreaterThan(b!);
    expect(samples.before[3]).toBe(0); // nothing painted where there was no incident
    expect(await page.textContent("table.incidents")).toContain("Whitelist only");
    await shot(page, "region-desktop");
    await page.close();
  });

  it("switches language (kk / ru / en) and remembers the choice", async () => {
    const page = await open("/");
    await page.selectOption("#lang-select", "ru");
    await page.waitForFunction(() => document.documentElement.lang === "ru");
    await waitForView(page);
    await page.waitForFunction(() => document.querySelector("[data-testid=headline]")?.textContent?.includes("Регионов с нарушениями"));
    expect(await page.textContent(".nav a[data-path='/']")).toBe("Обзор");
    expect(await page.textContent('.card[data-region="KZ-47"] h3')).toBe("Мангистауская область");
    expect(await page.textContent('.card[data-region="KZ-47"] .card-head .badge')).toContain("Только белый список");

    await page.reload();
    await waitForView(page);
    expect(await page.evaluate(() => document.documentElement.lang)).toBe("ru");
    expect(await page.textContent("[data-testid=headline]")).toContain("Регионов с нарушениями");

    await page.selectOption("#lang-select", "kk");
    await page.waitForFunction(() => document.querySelector("[data-testid=headline]")?.textContent?.includes("Бұзылыс бар өңірлер"));
    expect(await page.textContent('.card[data-region="KZ-47"] h3')).toBe("Маңғыстау облысы");
    expect(await page.textContent('.card[data-region="KZ-47"] .card-head .badge')).toContain("Тек ақ тізім");
    await shot(page, "summary-kk");

    await page.selectOption("#lang-select", "en");
    await page.waitForFunction(() => document.querySelector("[data-testid=headline]")?.textContent?.includes("regions affected"));
    await page.close();
  });

  it("lists probes with last-seen and no addresses", async () => {
    const page = await open("/probes");
    const rows = await page.locator("table.probes-table tbody tr").count();
    expect(rows).toBe(20 * 2 + 1); // every probe plus the control; KZ-62's two never reported and are listed as such
    const never = page.locator("table.probes-table tbody tr", { hasText: "kz-62-" });
    expect(await never.count()).toBe(2);
    expect(await never.first().textContent()).toContain("never");
    const text = (await page.textContent("main")) ?? "";
    expect(text).toContain("kz-47-kcell-mobile");
    // The seed ended 20 minutes ago: longer than the 15 minutes a probe counts as reporting.
    expect(text).toMatch(/silent\s*2[01] min ago/);
    expect(text).not.toContain("reporting");
    expect(text).not.toMatch(/\b\d{1,3}(\.\d{1,3}){3}\b/);
    await shot(page, "probes-desktop");
    await page.close();
  });

  it("fits a 360 px phone screen on every view", async () => {
    const paths: [string, string][] = [
      ["/", "summary-phone"],
      ["/regions/KZ-47", "region-phone"],
      [`/incidents/${encodeURIComponent(whitelistIncident.id)}`, "incident-phone"],
      ["/probes", "probes-phone"],
    ];
    for (const [path, name] of paths) {
      const page = await open(path, { width: 360, height: 740 });
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      expect(width, path).toBeLessThanOrEqual(360);
      await shot(page, name);
      await page.close();
    }
  });

  it("falls back to polling when the event stream is blocked", async () => {
    const page = await browser.newPage();
    await page.route("**/api/v1/events", (route) => route.abort());
    await page.goto(srv.url + "/");
    await waitForView(page);
    await page.waitForSelector("#live-status[data-mode=polling]");
    expect(await page.textContent("#live-status")).toBe("Updating every 30 s");
    await page.close();
  });

  it("shows a new incident live, over SSE, without a reload", async () => {
    const page = await open("/");
    await page.waitForSelector("#live-status[data-mode=sse]");
    await page.evaluate(() => ((globalThis as unknown as { marker: number }).marker = 42));

    // The minutes since the seed ended: Almaty city loses everything on both networks.
    const now = new Date();
    const shutdown: Episode[] = ["kcell-mobile", "beeline-mobile"].map((network) => ({
      region: "KZ-75", network, kind: "full_shutdown", from: seedEnd, to: null,
    }));
    await srv.store.insertMeasurements(seedMeasurements({ from: seedEnd, to: now, episodes: [...episodes, ...shutdown], silent: ["KZ-62"] }));
    const { events } = await runDetector(srv.store, config, now);
    const fresh = events.filter((e) => e.type === "opened" && e.incident.region === "KZ-75").map((e) => e.incident);
    expect(fresh.length).toBeGreaterThan(0);
    for (const e of events) srv.events.publish(e.incident); // what `keepwatch serve` does with its detector's events

    await page.waitForSelector(`.incident-list li[data-incident="${fresh[0]!.id}"]`, { timeout: 15_000 });
    expect(await page.evaluate(() => (globalThis as unknown as { marker?: number }).marker)).toBe(42);
    expect(await page.locator('.card[data-region="KZ-75"]').getAttribute("data-state")).not.toBe("normal");
    await page.close();

    // The same new data makes the probes current again.
    const probes = await open("/probes");
    expect(await probes.textContent("main")).toContain("reporting");
    await probes.close();
  });
});
