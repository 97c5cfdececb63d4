// Real headless Chromium via playwright-core, with a fresh profile per launch and every request that is not
// to the server under test refused (no internet from tests, and proof the page needs no CDN).
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { expect } from "vitest";

export const SCREENSHOT_DIR = join(process.cwd(), "test-output", "screenshots");

export interface TestBrowser {
  context: BrowserContext;
  /** URLs the page tried to reach outside the server under test (should stay empty). */
  foreignRequests: string[];
  newPage(viewport?: { width: number; height: number }): Promise<Page>;
  close(): Promise<void>;
}

export async function launchBrowser(serverUrl: string): Promise<TestBrowser> {
  const profile = mkdtempSync(join(tmpdir(), "kw-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    viewport: { width: 1280, height: 900 },
    locale: "en-GB",
    timezoneId: "UTC",
  });
  const foreignRequests: string[] = [];
  await context.route("**/*", (route) => {
    const u = route.request().url();
    if (u.startsWith(serverUrl + "/") || u.startsWith("data:")) return route.continue();
    foreignRequests.push(u);
    return route.abort();
  });
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  return {
    context,
    foreignRequests,
    async newPage(viewport) {
      const page = await context.newPage();
      if (viewport) await page.setViewportSize(viewport);
      return page;
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Waits until the app has swapped a rendered view into <main> (it sets data-ready each time). */
export async function waitForView(page: Page): Promise<void> {
  await page.waitForSelector("main#view[data-ready]", { timeout: 15_000 });
}

/** Opens a dashboard path in a new page, waits for its view, and fails the test on any script error. */
export async function openView(browser: TestBrowser, serverUrl: string, path: string, viewport?: { width: number; height: number }): Promise<Page> {
  const page = await browser.newPage(viewport);
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(serverUrl + path);
  await waitForView(page);
  expect(errors, `script errors on ${path}`).toEqual([]);
  return page;
}

/** Counts pixels with non-zero alpha in a canvas: > 0 means Chart.js actually drew something. */
export async function paintedPixels(page: Page, selector: string): Promise<{ painted: number; total: number }> {
  return page.$eval(selector, (el) => {
    const canvas = el as HTMLCanvasElement;
    const ctx = canvas.getContext("2d");
    if (!ctx || canvas.width === 0 || canvas.height === 0) return { painted: 0, total: 0 };
    const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
    let painted = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) painted++;
    return { painted, total: canvas.width * canvas.height };
  });
}
