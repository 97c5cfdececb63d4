// The server-rendered notices in real Chromium, on a running `keepwatch serve`: the demo banner (serve
// --demo) and the "not measuring until confirmed" line (the shipped config before `keepwatch setup`) sit at
// the top of every page, visible, inside a 360 px screen, in kk, ru and en, with the app still working.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load.js";
import { createLogger } from "../../src/log.js";
import { packagePath } from "../../src/package-root.js";
import { startServer, type RunningServer } from "../../src/serve/server.js";
import { SCREENSHOT_DIR, launchBrowser, openView } from "./browser.js";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function serve(demo: boolean): Promise<RunningServer> {
  const dir = mkdtempSync(join(tmpdir(), "kw-notice-"));
  dirs.push(dir);
  const shipped = loadConfig(packagePath("config", "default.yaml"));
  return startServer({
    // Loopback-only targets: nothing here may measure, and even a broken safety could not leave the machine.
    config: { ...shipped, dataDir: dir, targets: { fromWhitelist: false, maxPerList: 0, extra: [
      { url: "http://127.0.0.1:9/a", list: "whitelisted", category: "gov", throughput: false },
      { url: "http://127.0.0.1:9/b", list: "non_whitelisted", category: "messenger", throughput: false },
    ] } },
    dataDir: dir, port: 0, host: "127.0.0.1", log: createLogger({ level: "silent" }), demo, detectorIntervalMs: 3_600_000,
  });
}

const VIEWPORTS = [["phone360", 360, 740], ["desktop", 1280, 900]] as const;

for (const [name, demo, selector, text] of [
  ["demo", true, ".kw-notice-demo", /DEMO: synthetic data, nothing here was measured\..*ДЕМО: синтетические данные.*ДЕМО: синтетикалық деректер/s],
  ["unconfirmed", false, ".kw-notice", /not measuring from this machine yet.*keepwatch setup --region <id> --network <id>/s],
] as const) {
  describe(`${name} notice in Chromium`, () => {
    it("is the first thing on every page, visible and inside the screen, in every language", async () => {
      const server = await serve(demo);
      const browser = await launchBrowser(server.url);
      try {
        for (const lang of ["kk", "ru", "en"] as const) {
          for (const [vname, width, height] of VIEWPORTS) {
            for (const path of [`/${lang}`, `/${lang}/incidents`, `/${lang}/probes`]) {
              const page = await openView(browser, server.url, path, { width, height });
              const box = await page.locator(selector).first().boundingBox();
              expect(box, `${path} ${vname}`).not.toBeNull();
              expect(box!.y).toBe(0);
              expect(box!.x + box!.width).toBeLessThanOrEqual(width);
              expect(await page.locator(selector).first().innerText()).toMatch(text);
              expect(await page.evaluate(() => document.documentElement.scrollWidth), `${path} ${vname} scrolls sideways`).toBeLessThanOrEqual(width);
              if (demo) expect(await page.title()).toMatch(/^DEMO · /);
              if (path.endsWith("/incidents")) await page.screenshot({ path: join(SCREENSHOT_DIR, `notice-${name}-${lang}-${vname}.png`), fullPage: false });
              await page.close();
            }
          }
        }
        expect(browser.foreignRequests).toEqual([]);
      } finally {
        await browser.close();
        await server.stop();
      }
    }, 300_000);
  });
}
