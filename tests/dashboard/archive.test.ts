// The incidents archive and the region page's ranges in real Chromium: filters and ranges live in the URL
// (a copied link reopens the same view, in the same language), presets and custom ranges reach the API,
// and the zoom link frames a short incident so it is more than a sliver.
import { join } from "node:path";
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { WITHDRAWN, type Incident } from "../../src/incident.js";
import { SCREENSHOT_DIR, paintedPixels, waitForView, type TestBrowser } from "./browser.js";
import { useSeededDashboard, type SeededDashboard } from "./seeded-dashboard.js";
import type { DashboardServer } from "./server.js";

const MIN = 60_000;
let srv: DashboardServer;
let browser: TestBrowser;
let incidents: Incident[];
let open: SeededDashboard["open"];

useSeededDashboard({
  historyMinutes: 8 * 60, silent: ["KZ-62"],
  episodes: (at) => [
    { region: "KZ-47", network: "kcell-mobile", kind: "whitelist_only", from: at(150), to: null },
    { region: "KZ-23", network: "kcell-mobile", kind: "full_shutdown", from: at(300), to: at(180) },
    { region: "KZ-10", network: "beeline-mobile", kind: "throttling", from: at(110), to: null },
  ],
}, (d) => void ({ srv, browser, incidents, open } = d));

const rowsOf = (page: Page) => page.locator("table.archive-table tbody tr").count();
const changed = (page: Page, before: string) => page.waitForFunction((b) => document.querySelector("main")?.dataset.ready !== b, before);

describe("incidents archive", () => {
  it("lists every incident and narrows by each filter, keeping the filters in the URL", async () => {
    expect(incidents.length).toBeGreaterThanOrEqual(3);
    const page = await open("/incidents?lang=en");
    expect(await rowsOf(page)).toBe(incidents.length);
    expect(await page.textContent("h1")).toBe("Incident archive");

    let ready = (await page.getAttribute("main", "data-ready"))!;
    await page.selectOption("#f-kind", "full_shutdown");
    await changed(page, ready);
    const shutdowns = incidents.filter((i) => i.kind === "full_shutdown");
    expect(shutdowns.length).toBeGreaterThan(0);
    expect(await rowsOf(page)).toBe(shutdowns.length);
    expect(new URL(page.url()).searchParams.get("kind")).toBe("full_shutdown");
    expect(await page.textContent("table.archive-table")).toContain("Atyrau");

    ready = (await page.getAttribute("main", "data-ready"))!;
    await page.selectOption("#f-status", "open");
    await changed(page, ready);
    expect(await page.locator("[data-testid=archive-empty]").count()).toBe(1); // the shutdown has ended

    // The URL alone reproduces the view, in another browser tab, with the same language.
    const shared = await open(`/incidents?lang=ru&region=KZ-47&status=open`);
    const kz47 = incidents.filter((i) => i.region === "KZ-47" && i.status === "open");
    expect(await rowsOf(shared)).toBe(kz47.length);
    expect(await shared.evaluate(() => document.documentElement.lang)).toBe("ru");
    expect(await shared.textContent("h1")).toBe("Архив инцидентов");
    expect(await shared.inputValue("#f-region")).toBe("KZ-47");
    await shared.screenshot({ path: join(SCREENSHOT_DIR, "archive-ru.png"), fullPage: true });
    await shared.close();
    await page.close();
  });

  it("filters by UTC dates and by network, and reports a date it cannot read", async () => {
    const today = new Date().toISOString().slice(0, 10);
    const page = await open(`/incidents?lang=en&from=${today}&network=beeline-mobile`);
    const expected = incidents.filter((i) => i.network === "beeline-mobile" && (i.endedAt === null || i.endedAt >= `${today}T00:00:00Z`));
    expect(await rowsOf(page)).toBe(expected.length);
    await page.close();
    // Dates select the incidents that overlap them: an ongoing incident overlaps every day from its start.
    const future = await open(`/incidents?lang=en&from=2999-01-01`);
    expect(await rowsOf(future)).toBe(incidents.filter((i) => i.endedAt === null).length);
    await future.close();
    const past = await open(`/incidents?lang=en&to=2000-01-01`);
    expect(await past.locator("[data-testid=archive-empty]").count()).toBe(1);
    await past.close();
    const bad = await open(`/incidents?lang=en&to=yesterday`);
    expect(await bad.textContent(".notice[role=alert]")).toContain("yesterday");
    expect(await rowsOf(bad)).toBe(incidents.length);
    await bad.close();
  });

  it("is in the navigation, and its links carry the language", async () => {
    const page = await open("/?lang=kk");
    const nav = page.locator(".nav a[data-path='/incidents']");
    expect(await nav.textContent()).toBe("Оқиғалар");
    expect(await nav.getAttribute("href")).toBe("/incidents?lang=kk");
    await nav.click();
    await page.waitForSelector("table.archive-table");
    const first = await page.getAttribute("table.archive-table tbody tr a", "href");
    expect(first).toMatch(/^\/incidents\/[^?]+\?lang=kk$/);
    await page.close();
  });
});

describe("region ranges and zoom", () => {
  it("offers 1 h / 6 h / 24 h / 7 d / 30 d presets, each in the URL and in the API request", async () => {
    const page = await open("/regions/KZ-47?lang=en&network=kcell-mobile");
    const presets = await page.locator(".presets a").evaluateAll((as) => as.map((a) => a.getAttribute("data-range")));
    expect(presets).toEqual(["1h", "6h", "24h", "7d", "30d"]);
    for (const [range, hours, bucket] of [["6h", 6, "minute"], ["30d", 720, "hour"], ["1h", 1, "minute"]] as const) {
      const req = page.waitForRequest((r) => /\/api\/v1\/regions\/[^/]+\/timeline/.test(r.url()));
      await page.click(`.presets a[data-range="${range}"]`);
      const u = new URL((await req).url());
      const span = Date.parse(u.searchParams.get("until")!) - Date.parse(u.searchParams.get("since")!);
      expect(span).toBe(hours * 3_600_000);
      expect(u.searchParams.get("bucket")).toBe(bucket);
      // The new view replaces the old one once drawn; wait for it rather than for any drawn view.
      await page.waitForSelector(`.presets a[data-range="${range}"][aria-current="true"]`);
      expect(new URL(page.url()).searchParams.get("range")).toBe(range);
      expect(new URL(page.url()).searchParams.get("network")).toBe("kcell-mobile");
      expect(await page.getAttribute(`.presets a[data-range="${range}"]`, "aria-current")).toBe("true");
    }
    await page.close();
  });

  it("offers every CSV download with a byte-order mark and in the page's language (Excel on Windows)", async () => {
    const page = await open("/regions/KZ-47?lang=ru&network=kcell-mobile");
    await page.waitForSelector("[data-testid=targets]");
    const hrefs = await page.locator("a[download]").evaluateAll((as) => as.map((a) => a.getAttribute("href")!));
    const csvs = hrefs.filter((h) => /\.csv(\?|$)/.test(h));
    expect(csvs.length).toBeGreaterThanOrEqual(2); // measurements and per-service table
    for (const href of csvs) {
      expect(new URL(href, srv.url).searchParams.get("bom"), href).toBe("1");
      const head = await page.evaluate(async (u) => [...new Uint8Array(await (await fetch(u)).arrayBuffer()).slice(0, 3)], href);
      expect(head, href).toEqual([0xef, 0xbb, 0xbf]);
    }
    const measurements = csvs.find((h) => h.includes("/measurements/export.csv"))!;
    expect(new URL(measurements, srv.url).searchParams.get("lang")).toBe("ru");
    const body = await page.evaluate(async (u) => (await fetch(u)).text(), measurements);
    expect(body).toContain("Мангистауская"); // region_name in the reader's language
    await page.close();
  });

  it("keeps the CSV download within the export's 31 days on a longer range, and says which days it holds", async () => {
    const until = new Date(Math.floor(Date.now() / MIN) * MIN);
    const since = new Date(until.getTime() - 90 * 1440 * MIN);
    const page = await open(`/regions/KZ-47?lang=en&network=kcell-mobile&since=${since.toISOString()}&until=${until.toISOString()}`);
    const href = (await page.getAttribute("a[download][href*='/measurements/export.csv']", "href"))!;
    const res = await page.evaluate(async (u) => {
      const r = await fetch(u);
      return { status: r.status, type: r.headers.get("content-type") };
    }, href);
    expect(res).toEqual({ status: 200, type: "text/csv; charset=utf-8" }); // not a JSON range_too_large saved as .csv
    const u = new URL(href, srv.url);
    expect(Date.parse(u.searchParams.get("until")!) - Date.parse(u.searchParams.get("since")!)).toBe(31 * 1440 * MIN);
    const note = (await page.textContent("[data-testid=csv-clamped]"))!;
    expect(note).toContain("31 days");
    expect(note).toContain(`${until.toISOString().slice(0, 10)} ${until.toISOString().slice(11, 16)}`);
    await page.close();
    // A range the export can answer whole gets no note.
    const week = await open("/regions/KZ-47?lang=en&network=kcell-mobile&range=7d");
    await week.waitForSelector("a[download][href*='/measurements/export.csv']");
    expect(await week.locator("[data-testid=csv-clamped]").count()).toBe(0);
    await week.close();
  });

  it("takes a custom UTC range from the form and from the URL", async () => {
    const page = await open("/regions/KZ-47?lang=en&network=kcell-mobile");
    const until = new Date(Date.now() - 60 * MIN);
    const since = new Date(until.getTime() - 90 * MIN);
    await page.fill("#range-since", since.toISOString().slice(0, 16));
    await page.fill("#range-until", until.toISOString().slice(0, 16));
    const req = page.waitForRequest((r) => /\/api\/v1\/regions\/[^/]+\/timeline/.test(r.url()));
    await page.click(".custom-range button");
    const u = new URL((await req).url());
    expect(Date.parse(u.searchParams.get("since")!)).toBe(Date.parse(`${since.toISOString().slice(0, 16)}:00Z`));
    await waitForView(page);
    const url = new URL(page.url());
    expect(url.searchParams.get("since")).toBe(`${since.toISOString().slice(0, 16)}:00Z`);
    expect(url.searchParams.get("range")).toBeNull();
    expect(await page.textContent("[data-testid=range-shown]")).toContain(`${since.toISOString().slice(0, 10)} ${since.toISOString().slice(11, 16)}`);
    await page.close();

    const bad = await open("/regions/KZ-47?lang=en&since=garbage");
    expect(await bad.textContent(".notice[role=alert]")).toContain("last 24 h");
    await bad.close();
  });

  it("zooms to an incident from the region table and from the permalink, with the incident filling the chart", async () => {
    const shutdown = incidents.find((i) => i.region === "KZ-23" && i.kind === "full_shutdown")!;
    expect(shutdown).toBeDefined();
    const page = await open("/regions/KZ-23?lang=en&network=kcell-mobile&range=7d");
    await page.click(`a[data-zoom="${shutdown.id}"]`);
    await page.waitForSelector("[data-testid=range-shown]");
    const url = new URL(page.url());
    const since = Date.parse(url.searchParams.get("since")!);
    const until = Date.parse(url.searchParams.get("until")!);
    expect(since).toBeLessThan(Date.parse(shutdown.startedAt));
    expect(until).toBeGreaterThan(Date.parse(shutdown.endedAt!));
    // The incident covers at least half of the visible range.
    const length = Date.parse(shutdown.endedAt!) - Date.parse(shutdown.startedAt);
    expect(length / (until - since)).toBeGreaterThanOrEqual(0.5);
    expect((await paintedPixels(page, "[data-testid=chart-success]")).painted).toBeGreaterThan(0);
    await page.screenshot({ path: join(SCREENSHOT_DIR, "region-zoomed.png"), fullPage: true });
    await page.close();

    const permalink = await open(`/incidents/${encodeURIComponent(shutdown.id)}?lang=en`);
    const href = (await permalink.getAttribute("[data-testid=zoom-region]", "href"))!;
    const z = new URL(href, srv.url);
    expect(z.pathname).toBe("/regions/KZ-23");
    expect(z.searchParams.get("since")).toBe(url.searchParams.get("since"));
    expect(z.searchParams.get("lang")).toBe("en");
    await permalink.close();
  });
});

describe("a withdrawn incident's permalink", () => {
  it("says it is withdrawn, and when, before anything a reader could quote (kk, ru, en)", async () => {
    const base = incidents.find((i) => i.status === "closed")!;
    expect(base).toBeDefined();
    const at = new Date(Date.parse(base.endedAt!) + 10 * MIN).toISOString();
    const withdrawn: Incident = { ...base, id: `${base.id}-withdrawn`, revisedAt: at,
      revisions: [...base.revisions, { at, field: "status", from: "open", to: "closed", reason: `${WITHDRAWN}: test` }] };
    await srv.store.saveIncident(withdrawn);
    const words = { en: "Withdrawn", ru: "Отозвано", kk: "Кері алынды" } as const;
    for (const lang of ["kk", "ru", "en"] as const) {
      const page = await open(`/incidents/${encodeURIComponent(withdrawn.id)}?lang=${lang}`);
      const notice = (await page.textContent("[data-testid=withdrawn]"))!;
      expect(notice, lang).toContain(words[lang]);
      expect(notice).toContain(`${at.slice(0, 10)} ${at.slice(11, 19)} UTC`);
      expect((await page.textContent("[data-testid=citation]"))!.startsWith(notice), lang).toBe(true);
      expect((await page.textContent("[data-testid=summary]"))!.toLowerCase(), lang).toContain(words[lang].toLowerCase());
      await page.close();
    }
    // The status badge does not say "Ended" (which reads as a finding that ran its course).
    const page = await open(`/incidents/${encodeURIComponent(withdrawn.id)}?lang=en`);
    expect(await page.textContent("[data-testid=status]")).toBe("Withdrawn");
    await page.close();
    // The archive lists it (nothing is hidden) with the same mark, and only it.
    for (const lang of ["kk", "ru", "en"] as const) {
      const archive = await open(`/incidents?lang=${lang}&status=closed`);
      const row = archive.locator("table.archive-table tbody tr", { has: archive.locator(`a[href*="${encodeURIComponent(withdrawn.id)}"]`) });
      expect(await row.locator("[data-testid=archive-withdrawn]").textContent(), lang).toBe(words[lang]);
      expect(await archive.locator("[data-testid=archive-withdrawn]").count(), lang).toBe(1);
      await archive.close();
    }
    // A standing incident has no such notice.
    const standing = await open(`/incidents/${encodeURIComponent(base.id)}?lang=en`);
    expect(await standing.locator("[data-testid=withdrawn]").count()).toBe(0);
    expect(await standing.textContent("[data-testid=status]")).toBe("Ended");
    await standing.close();
  });
});
