// Detection latency: time from a regime change in a real network-namespace lab to the incident appearing
// in the API, in probe intervals (goal ≤ 3). The probe interval and the detector window are both
// INTERVAL_S, as in the default deployment (both 5 minutes there), so the ratio carries over.
//   npx tsx bench/regime.ts [interval seconds]
import { pathToFileURL } from "node:url";
import { startRegimeLab, type Regime } from "../tests/e2e/fixtures/regime-lab.js";

export interface RegimeBenchResult {
  intervalSeconds: number;
  changes: { regime: Regime; kind: string; seconds: number; intervals: number }[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function benchRegime(intervalSeconds = 5): Promise<RegimeBenchResult> {
  const lab = await startRegimeLab({ windowSeconds: intervalSeconds, probeIntervalSeconds: intervalSeconds });
  const changes: RegimeBenchResult["changes"] = [];
  try {
    await sleep(intervalSeconds * 7 * 1000);
    for (const [regime, kind] of [["whitelist_only", "whitelist_only"], ["dark", "dark"]] as const) {
      const t0 = Date.now();
      lab.setRegime(regime);
      for (;;) {
        const open = (await lab.incidents()).find((i) => i.kind === kind && i.status === "open");
        if (open) break;
        if (Date.now() - t0 > intervalSeconds * 20 * 1000) throw new Error(`no ${kind} incident after 20 intervals`);
        await sleep(250);
      }
      const seconds = (Date.now() - t0) / 1000;
      changes.push({ regime, kind, seconds, intervals: seconds / intervalSeconds });
      console.log(`${regime}: incident in the API after ${seconds.toFixed(1)} s = ${(seconds / intervalSeconds).toFixed(2)} probe intervals`);
      await sleep(intervalSeconds * 2 * 1000);
    }
  } finally {
    await lab.stop();
  }
  return { intervalSeconds, changes };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const r = await benchRegime(Number(process.argv[2] ?? 5));
  console.log(JSON.stringify(r));
}
