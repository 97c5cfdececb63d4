import { it } from "vitest";
import { LAB, Lab, PRODUCTION, T0 } from "../../tests/detect/dark-lab.js";
it("dbg", async () => {
  for (const c of [PRODUCTION]) {
    const U = c.interval * 1000; const onset = T0 + 20 * U, restored = T0 + 40 * U;
    const during = (t: number) => t >= onset && t < restored;
    const l = new Lab([
      { id: "f1", region: "KZ-75", network: "kt-fixed", cadence: c.interval },
      { id: "m1", region: "KZ-75", network: "kcell-mobile", cadence: c.interval, delay: (t) => (during(t) ? 5 * U : 1000) },
      { id: "a1", region: "KZ-ALA", network: "beeline", cadence: c.interval },
      { id: "c1", region: "CONTROL-EU", network: "hetzner", role: "control", cadence: c.interval },
      { id: "r1", region: "KZ-77", network: "tele2", cadence: c.interval, behave: (t) => (t >= onset ? "silent" : "ok") },
    ], c, { retireAfterSeconds: 30 * c.interval });
    await l.start();
    await l.run(T0 + 90 * U);
    for (const e of l.events) console.log((e.at - T0) / U, e.event.type, e.event.incident.region, e.event.incident.network, e.event.incident.kind, e.event.incident.startedAt, e.event.incident.endedAt, e.event.incident.revisions.at(-1)?.reason);
    await l.stop();
  }
}, 100000);
