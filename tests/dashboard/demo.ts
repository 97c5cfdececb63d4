// A seeded demo of the dashboard for design review and screenshots: the browser tests' scenario (20 KZ
// regions, a whitelist-only regime in Mangystau, throttling in Abai, a closed shutdown in Atyrau) in a
// temp SQLite store, run through the real detector, served on loopback until Ctrl-C.
//   npx tsx tests/dashboard/demo.ts [--port 8090] [--measure]
// --measure loads each page in headless Chromium and prints how long it took until the view was drawn.
import { runDetector } from "./detect.js";
import { launchBrowser, waitForView } from "./browser.js";
import { kzConfig } from "./kz-config.js";
import { seedMeasurements } from "./seed.js";
import { startDashboardServer } from "./server.js";

const MIN = 60_000;
const args = process.argv.slice(2);
const portArg = args.indexOf("--port");
const now = Date.now();
const at = (minAgo: number) => new Date(now - minAgo * MIN);
const config = kzConfig();
const srv = await startDashboardServer(config, portArg >= 0 ? Number(args[portArg + 1]) : 0);
const measurements = seedMeasurements({
  from: at(8 * 60),
  to: at(1),
  silent: ["KZ-62"],
  episodes: [
    { region: "KZ-47", network: "kcell-mobile", kind: "whitelist_only", from: at(150), to: null },
    { region: "KZ-47", network: "beeline-mobile", kind: "whitelist_only", from: at(150), to: null },
    { region: "KZ-23", network: "kcell-mobile", kind: "full_shutdown", from: at(300), to: at(180) },
    { region: "KZ-10", network: "beeline-mobile", kind: "throttling", from: at(110), to: null },
  ],
});
await srv.store.insertMeasurements(measurements);
const { incidents } = await runDetector(srv.store, config, at(1));
console.log(`${measurements.length} measurements, ${incidents.length} incidents`);
for (const i of incidents) console.log(`  ${srv.url}/incidents/${i.id}  ${i.region} ${i.network ?? "-"} ${i.kind} ${i.status}`);

if (args.includes("--measure")) {
  const browser = await launchBrowser(srv.url);
  const paths = ["/", "/regions/KZ-47", `/incidents/${incidents[0]?.id ?? "none"}`, "/probes"];
  for (const width of [1280, 360]) {
    for (const path of paths) {
      const page = await browser.newPage({ width, height: 800 });
      const t0 = performance.now();
      await page.goto(srv.url + path);
      await waitForView(page);
      const ms = performance.now() - t0;
      const bytes = await page.evaluate(() =>
        performance.getEntriesByType("resource").reduce((n, e) => n + (e as PerformanceResourceTiming).transferSize, 0));
      console.log(`${String(width).padStart(4)} px  ${path.padEnd(60)} ${ms.toFixed(0).padStart(5)} ms to drawn view, ${(bytes / 1024).toFixed(0)} KiB fetched after the HTML`);
      await page.close();
    }
  }
  await browser.close();
  await srv.close();
} else {
  console.log(`dashboard: ${srv.url}/  (Ctrl-C to stop)`);
  process.on("SIGINT", () => void srv.close().then(() => process.exit(0)));
}
