// Every page at 360 px and 390 px (phones) and at desktop size, in kk, ru and en: nothing wider than the
// viewport (no horizontal scrolling, no badge cut off), and a screenshot of each for a human to judge.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Incident } from "../../src/incident.js";
import { SCREENSHOT_DIR, waitForView, type TestBrowser } from "./browser.js";
import { useSeededDashboard } from "./seeded-dashboard.js";
import type { DashboardServer } from "./server.js";

let srv: DashboardServer;
let browser: TestBrowser;
let incident: Incident;

useSeededDashboard({
  historyMinutes: 6 * 60, silent: ["KZ-62"], horizonHours: 7,
  episodes: (at) => [
    { region: "KZ-47", network: "kcell-mobile", kind: "whitelist_only", from: at(150), to: null },
    { region: "KZ-47", network: "beeline-mobile", kind: "whitelist_only", from: at(150), to: null },
    { region: "KZ-10", network: "beeline-mobile", kind: "throttling", from: at(110), to: null },
  ],
}, (d) => {
  ({ srv, browser } = d);
  incident = d.incidents.find((i) => i.region === "KZ-47")!;
});

const VIEWPORTS = [["phone360", 360, 740], ["phone390", 390, 844], ["desktop", 1280, 900]] as const;

describe("pages fit the screen in every language", () => {
  for (const lang of ["kk", "ru", "en"] as const) {
    it(`${lang}: overview, archive, region, incident and probes at 360 px, 390 px and desktop`, async () => {
      const pages = [["summary", "/"], ["archive", "/incidents"], ["region", "/regions/KZ-47"],
        ["incident", `/incidents/${encodeURIComponent(incident.id)}`], ["probes", "/probes"]] as const;
      for (const [vname, width, height] of VIEWPORTS) {
        const page = await browser.newPage({ width, height });
        const errors: string[] = [];
        page.on("pageerror", (e) => errors.push(e.message));
        for (const [name, path] of pages) {
          await page.goto(`${srv.url}${path}${path.includes("?") ? "&" : "?"}lang=${lang}`);
          await waitForView(page);
          const { scroll, inner, wide } = await page.evaluate(() => ({
            scroll: document.documentElement.scrollWidth,
            inner: innerWidth,
            // Elements sticking out of the viewport (a cut badge) even where overflow is hidden.
            wide: Array.from(document.querySelectorAll(".badge, h1, .headline, .controls, table"))
              .filter((el) => el.getBoundingClientRect().right > innerWidth + 0.5 && !el.closest(".table-scroll"))
              .map((el) => `${el.tagName}.${el.className}`).slice(0, 5),
          }));
          expect(scroll, `${lang} ${vname} ${path}`).toBeLessThanOrEqual(inner);
          expect(wide, `${lang} ${vname} ${path}`).toEqual([]);
          await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}-${lang}-${vname}.png`), fullPage: true });
        }
        expect(errors).toEqual([]);
        await page.close();
      }
    }, 180_000);
  }
});
