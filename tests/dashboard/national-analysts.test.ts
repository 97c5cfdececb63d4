// The national tile grid, the per-service chart, the archive's summaries and the analysts' layer in real
// Chromium, at 360 px and desktop, in kk, ru and en: every region has a tappable tile that names its state in
// words (not by colour only), the overview works without JavaScript, an analyst signs in, verifies and writes
// a note that is HTML (shown as text, never run), a viewer gets no forms, an admin reads the audit log.
import { join } from "node:path";
import { chromium } from "playwright-core";
import { describe, expect, it } from "vitest";
import { addUser } from "../../src/analysts/accounts.js";
import type { Incident } from "../../src/incident.js";
import { SCREENSHOT_DIR, openView, paintedPixels, waitForView, type TestBrowser } from "./browser.js";
import { REGION_IDS } from "./kz-config.js";
import { useSeededDashboard } from "./seeded-dashboard.js";
import type { DashboardServer } from "./server.js";

const PASSWORD = "correct horse battery";
let srv: DashboardServer;
let browser: TestBrowser;
let incident: Incident;
const VIEWPORTS = [["phone360", 360, 740], ["desktop", 1280, 900]] as const;
const LANGS = ["kk", "ru", "en"] as const;
const STATE_WORD = { kk: "Тек ақ тізім", ru: "Только белый список", en: "Whitelist only" } as const;

useSeededDashboard({
  historyMinutes: 6 * 60, silent: ["KZ-62"], horizonHours: 7, hookTimeoutMs: 180_000,
  episodes: (at) => [
    { region: "KZ-47", network: "kcell-mobile", kind: "whitelist_only", from: at(150), to: null },
    { region: "KZ-47", network: "beeline-mobile", kind: "whitelist_only", from: at(150), to: null },
    { region: "KZ-10", network: "beeline-mobile", kind: "throttling", from: at(110), to: null },
  ],
  prepare: async (server) => {
    for (const [name, role] of [["adil", "admin"], ["anna", "analyst"], ["vera", "viewer"]] as const) {
      await addUser(server.store, { name, role, password: PASSWORD, actor: "test", at: new Date() });
    }
  },
}, (d) => {
  ({ srv, browser } = d);
  incident = d.incidents.find((i) => i.region === "KZ-47")!;
});

describe("national tile grid", () => {
  for (const lang of LANGS) {
    it(`${lang}: one tappable, labelled tile per region at 360 px and desktop, linking to the region page`, async () => {
      for (const [vname, width, height] of VIEWPORTS) {
        const page = await openView(browser, srv.url, `/?lang=${lang}`, { width, height });
        const tiles = await page.$$eval("[data-testid=region-tiles] a.tile", (els) => els.map((el) => {
          const r = el.getBoundingClientRect();
          return { region: (el as HTMLElement).dataset.region, state: (el as HTMLElement).dataset.state, text: el.textContent ?? "", href: el.getAttribute("href"),
            w: r.width, h: r.height, right: r.right, pattern: getComputedStyle(el).backgroundImage };
        }));
        expect(tiles.map((t) => t.region).sort()).toEqual([...REGION_IDS].sort());
        const inner = await page.evaluate(() => innerWidth);
        for (const t of tiles) {
          expect(t.h, `${t.region} tall enough to tap`).toBeGreaterThanOrEqual(44);
          expect(t.w).toBeGreaterThanOrEqual(44);
          expect(t.right).toBeLessThanOrEqual(inner + 0.5);
          expect(t.href).toBe(`/regions/${t.region}?lang=${lang}`);
        }
        const mangystau = tiles.find((t) => t.region === "KZ-47")!;
        expect(mangystau.state).toBe("whitelist_only");
        // Not colour alone: the state in words, a symbol, and a hatch pattern.
        expect(mangystau.text).toContain(STATE_WORD[lang]);
        expect(mangystau.text).toContain("◐");
        expect(mangystau.pattern).toContain("repeating-linear-gradient");
        expect(tiles.find((t) => t.region === "KZ-62")!.state).toBe("unknown");
        if (width === 360) expect(new Set(tiles.slice(0, 3).map((t) => Math.round(t.w))).size).toBe(1); // a grid, 3 across
        expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(inner);
        await page.locator("[data-testid=region-tiles]").screenshot({ path: join(SCREENSHOT_DIR, `tiles-${lang}-${vname}.png`) });
        await page.screenshot({ path: join(SCREENSHOT_DIR, `overview-tiles-${lang}-${vname}.png`), fullPage: true });
        // Tapping a tile opens the region page.
        await page.click("[data-testid=region-tiles] a[data-region='KZ-47']");
        await page.waitForURL(/\/regions\/KZ-47/);
        await waitForView(page);
        await page.close();
      }
    }, 180_000);
  }

  it("is in the overview's HTML for readers and bots without JavaScript", async () => {
    const b = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: ["--no-sandbox", "--disable-gpu"] });
    try {
      for (const lang of LANGS) {
        const ctx = await b.newContext({ javaScriptEnabled: false, viewport: { width: 360, height: 740 } });
        await ctx.route("**/*", (route) => (route.request().url().startsWith(srv.url) ? route.continue() : route.abort()));
        const page = await ctx.newPage();
        await page.goto(`${srv.url}/${lang}`);
        const tiles = await page.$$eval("[data-testid=region-tiles-static] a.tile", (els) => els.map((el) => ({ region: (el as HTMLElement).dataset.region, text: el.textContent, h: el.getBoundingClientRect().height })));
        expect(tiles.map((t) => t.region).sort()).toEqual([...REGION_IDS].sort());
        expect(tiles.find((t) => t.region === "KZ-47")!.text).toContain(STATE_WORD[lang]);
        for (const t of tiles) expect(t.h).toBeGreaterThanOrEqual(44);
        expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
        await page.screenshot({ path: join(SCREENSHOT_DIR, `overview-noscript-${lang}-phone360.png`), fullPage: true });
        await ctx.close();
      }
    } finally {
      await b.close();
    }
  }, 120_000);
});

describe("region and archive leftovers", () => {
  for (const lang of LANGS) {
    it(`${lang}: the region page draws success per service; the archive shows each incident's summary in the page language`, async () => {
      for (const [vname, width, height] of VIEWPORTS) {
        const page = await openView(browser, srv.url, `/regions/KZ-47?lang=${lang}&range=6h`, { width, height });
        await page.waitForSelector("[data-testid=chart-targets]");
        await page.waitForTimeout(300);
        expect((await paintedPixels(page, "[data-testid=chart-targets]")).painted).toBeGreaterThan(500);
        expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
        await page.locator(".target-chart").screenshot({ path: join(SCREENSHOT_DIR, `region-targets-chart-${lang}-${vname}.png`) });
        await page.close();
        const archive = await openView(browser, srv.url, `/incidents?lang=${lang}`, { width, height });
        const summaries = await archive.$$eval("[data-testid=archive-summary]", (els) => els.map((e) => e.textContent ?? ""));
        expect(summaries.length).toBeGreaterThan(0);
        if (lang === "ru") expect(summaries.join(" ")).toMatch(/[а-яё]/i);
        if (lang === "kk") expect(summaries.join(" ")).toMatch(/[әғқңөұүһі]/i);
        if (lang === "en") expect(summaries.join(" ")).not.toMatch(/[а-яё]/i);
        expect(await archive.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
        await archive.screenshot({ path: join(SCREENSHOT_DIR, `archive-summaries-${lang}-${vname}.png`), fullPage: true });
        await archive.close();
      }
    }, 180_000);
  }
});

describe("analysts in the browser", () => {
  const XSS = `<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script> checked with subscribers`;

  async function signIn(name: string, lang: string, width: number, height: number) {
    const context = await (await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: ["--no-sandbox", "--disable-gpu"] })).newContext({ viewport: { width, height } });
    await context.route("**/*", (route) => (route.request().url().startsWith(srv.url) ? route.continue() : route.abort()));
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    page.on("dialog", (d) => { errors.push(`dialog ${d.message()}`); void d.dismiss(); });
    const next = `/incidents/${encodeURIComponent(incident.id)}?lang=${lang}`;
    await page.goto(`${srv.url}/login?lang=${lang}&next=${encodeURIComponent(next)}`);
    await waitForView(page);
    await page.fill("input[name=name]", name);
    await page.fill("input[name=password]", PASSWORD);
    await page.click("[data-testid=login-form] button[type=submit]");
    await page.waitForURL((u) => u.pathname.startsWith("/incidents/"));
    await waitForView(page);
    return { page, errors, close: async () => context.browser()!.close() };
  }

  it("an analyst verifies and adds a note that is HTML: it shows as text and never runs; kk/ru/en at 360 px and desktop", async () => {
    let first = true;
    for (const lang of LANGS) {
      for (const [vname, width, height] of VIEWPORTS) {
        const { page, errors, close } = await signIn("anna", lang, width, height);
        try {
          if (first) {
            await page.fill("[data-testid=note-form] textarea", XSS);
            await page.click("[data-testid=note-form] button");
            await page.waitForSelector("[data-testid=notes] .note");
            await page.click("[data-testid=verify]");
            await page.waitForSelector("[data-testid=unverify]");
            first = false;
          }
          await page.waitForSelector("[data-testid=verified]");
          expect(await page.textContent("[data-testid=verified]")).toMatch(/anna/);
          expect(await page.textContent("[data-testid=notes]")).toContain(XSS);
          expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
          expect(await page.$$("[data-testid=notes] img, [data-testid=notes] script")).toHaveLength(0);
          expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
          await page.screenshot({ path: join(SCREENSHOT_DIR, `incident-analyst-${lang}-${vname}.png`), fullPage: true });
          expect(errors).toEqual([]);
        } finally {
          await close();
        }
      }
    }
    // The server-rendered permalink (what previews and no-JS readers get) has the note escaped and the verification.
    const html = await (await fetch(`${srv.url}/ru/incidents/${encodeURIComponent(incident.id)}`)).text();
    expect(html).toContain("Проверено: anna");
    expect(html).not.toContain('<img src=x onerror="window.__pwned=1">');
  }, 300_000);

  it("a viewer sees the verification but no forms; an admin reads the audit log", async () => {
    const viewer = await signIn("vera", "ru", 360, 740);
    try {
      await viewer.page.waitForSelector("[data-testid=analysis]");
      expect(await viewer.page.$("[data-testid=note-form]")).toBeNull();
      expect(await viewer.page.$("[data-testid=verify], [data-testid=unverify]")).toBeNull();
      expect(await viewer.page.textContent("#account-link")).toContain("vera");
    } finally {
      await viewer.close();
    }
    for (const lang of LANGS) {
      for (const [vname, width, height] of VIEWPORTS) {
        const admin = await signIn("adil", lang, width, height);
        try {
          await admin.page.goto(`${srv.url}/audit?lang=${lang}`);
          await waitForView(admin.page);
          const text = await admin.page.textContent("[data-testid=audit]");
          expect(text).toContain("note.add");
          expect(text).toContain("incident.verify");
          expect(text).not.toMatch(/127\.0\.0\.1/);
          expect(await admin.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
          await admin.page.screenshot({ path: join(SCREENSHOT_DIR, `audit-${lang}-${vname}.png`), fullPage: true });
          expect(admin.errors).toEqual([]);
        } finally {
          await admin.close();
        }
      }
    }
  }, 300_000);
});
