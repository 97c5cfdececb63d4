// A mobile shutdown seen while it happens (issue #10 item 5): a real agent measures through its "modem"
// (--measure-via, policy-routed) and reports through its fixed line. The operator then drops everything from
// the modem: the agent's measurements keep arriving over the fixed line, show the failures, and the detector
// opens a live incident — while not one packet for the mobile network leaves through the fixed line. Last,
// the modem's link goes down: rounds arrive marked as the volunteer's own outage, still without a leak.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Incident } from "../../src/incident.js";
import { isLocalFailure, type Measurement, type MeasurementFacts } from "../../src/measurement.js";
import { MEASURE_VIA_DOWN } from "../../src/agent/measure-via.js";
import { netnsAvailable } from "../helpers/netns.js";
import { NETWORK, PROBE, REGION, startViaLab, type ViaLab } from "./fixtures/via-lab.js";

// Generous for a shared, loaded machine (2 cores, load often above 20): rounds every 4 s, 8 s windows.
const WINDOW_S = 8;
const INTERVAL_S = 4;
let lab: ViaLab;

beforeAll(async () => {
  if (!netnsAvailable()) throw new Error("tests/e2e/agent-via-netns needs root with `ip netns` and iptables (none found here)");
  lab = await startViaLab({ windowSeconds: WINDOW_S, probeIntervalSeconds: INTERVAL_S });
}, 120_000);
afterAll(async () => {
  await lab?.stop();
});

const sleep = (s: number) => new Promise((r) => setTimeout(r, s * 1000));

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; agent said:\n${lab.agentOutput().slice(-4000)}`);
    await sleep(1);
  }
}

/** The agent's stored measurements that started at or after `since`. */
const stored = (since: Date): Promise<MeasurementFacts[]> =>
  lab.server.store.measurementFacts({ probeId: PROBE, since, role: "region" });

/** Stored rounds the store keeps out of the detector's queries (Measurement.local failed), read back whole. */
async function storedLocalOutages(since: Date): Promise<Measurement[]> {
  const out: Measurement[] = [];
  for await (const m of lab.server.store.streamMeasurements({ probeId: PROBE, since })) {
    if (isLocalFailure(m)) out.push(m);
  }
  return out;
}

async function incidents(): Promise<Incident[]> {
  const res = await fetch(`${lab.server.url}/api/v1/incidents?region=${REGION}&limit=100`);
  if (!res.ok) throw new Error(`incidents: HTTP ${res.status}`);
  return ((await res.json()) as { incidents: Incident[] }).incidents;
}

describe("an agent measuring through its modem and reporting through its fixed line", () => {
  it("keeps reporting while the mobile network is cut, shows the failures live, and leaks nothing", async () => {
    // Normal operation: measured through the modem, all four sites reachable; long enough for the detector's warm-up.
    const start = new Date();
    const healthy = await waitFor("accessible measurements from the agent", async () => {
      const rows = (await stored(start)).filter((m) => m.accessible);
      return rows.length >= 8 ? rows : undefined;
    }, 180_000);
    const one = await lab.server.store.getMeasurement(healthy[0]!.id);
    expect(one?.local).toEqual({ gateway: "ok", resolver: "unknown" });
    expect(one?.network).toMatchObject({ id: NETWORK, kind: "mobile" });
    await sleep(WINDOW_S * 4);
    // Nothing open for the mobile network before the cut (a round starved by a loaded machine may have opened
    // one for a moment: it must close again on its own).
    await waitFor("no open incident before the cut", async () =>
      ((await incidents()).some((i) => i.status === "open" && i.network === NETWORK) ? undefined : true), 120_000);
    expect(lab.leakedPackets()).toBe(0);

    // The operator cuts the mobile network. The agent is not told; its uploads still have the fixed line.
    const cutAt = new Date();
    lab.cutMobile(true);
    const afterCut = new Date(cutAt.getTime() + INTERVAL_S * 1000);
    const failing = await waitFor("failing measurements arriving during the cut", async () => {
      const rows = (await stored(afterCut)).filter((m) => !m.accessible);
      return rows.length >= 8 ? rows : undefined;
    }, 60_000);
    // They arrived while the network is still cut (nothing waited in the spool for it to come back), and they
    // name the failure the operator caused: the resolver of the mobile network does not answer.
    expect(failing.every((m) => m.receivedAt !== null && Date.parse(m.receivedAt) > cutAt.getTime())).toBe(true);
    expect(new Set(failing.map((m) => m.failure))).toEqual(new Set(["dns_timeout"]));
    expect((await stored(afterCut)).filter((m) => m.accessible)).toEqual([]);
    const cutOne = await lab.server.store.getMeasurement(failing[0]!.id);
    expect(cutOne?.local).toEqual({ gateway: "ok", resolver: "unknown" }); // counted: the modem itself was fine

    // So the detector opens a live incident for the mobile network (the control still reaches every site).
    const live = await waitFor("an open incident for the mobile network", async () =>
      (await incidents()).find((i) => i.status === "open" && i.network === NETWORK), 120_000);
    expect(Date.parse(live.startedAt)).toBeGreaterThanOrEqual(cutAt.getTime() - 2 * WINDOW_S * 1000);
    expect(lab.leakedPackets()).toBe(0);

    // The policy rules vanish (a careless reconfiguration): bound packets would now take the fixed line, so
    // the agent measures nothing and says why, rather than measure the fixed line under the mobile's name.
    const unruledAt = new Date();
    lab.lab.exec(lab.agentHost, "ip", ["rule", "del", "priority", "100"]);
    lab.lab.exec(lab.agentHost, "ip", ["rule", "del", "priority", "101"]);
    const misrouted = await waitFor("rounds refused for a missing policy route", async () => {
      const rows = await storedLocalOutages(new Date(unruledAt.getTime() + INTERVAL_S * 1000));
      return rows.length >= 4 ? rows : undefined;
    }, 60_000);
    expect(new Set(misrouted.map((m) => m.verdict.failure))).toEqual(new Set([MEASURE_VIA_DOWN]));
    expect(lab.agentOutput()).toMatch(/would leave through/);
    // A round in flight when the rules vanished may have had retransmissions routed by the main table (the
    // kernel routes each packet); from the next round on, nothing for the mobile network leaves that way.
    await sleep(INTERVAL_S + 3);
    const settled = lab.leakedPackets();
    await sleep(INTERVAL_S * 3);
    expect(lab.leakedPackets()).toBe(settled);

    // The modem's link goes down (unplugged): rounds say so and are the volunteer's outage, never a leak.
    const downAt = new Date();
    lab.lab.exec(lab.agentHost, "ip", ["link", "set", lab.mobileDev, "down"]);
    await waitFor("the agent noticing the interface is down", async () => (/is not there or is down/.test(lab.agentOutput()) ? true : undefined), 30_000);
    const unmeasured = await waitFor("measure_via_down measurements", async () => {
      const rows = await storedLocalOutages(new Date(downAt.getTime() + INTERVAL_S * 1000));
      return rows.length >= 4 ? rows : undefined;
    }, 60_000);
    for (const m of unmeasured) {
      expect(m.verdict.failure).toBe(MEASURE_VIA_DOWN);
      expect(m.local).toEqual({ gateway: "none", resolver: "unknown" });
      expect(isLocalFailure(m)).toBe(true);
      expect(m.check).toMatchObject({ dns: [], tcp: [], tls: [], http: null });
    }
    expect(lab.leakedPackets()).toBe(settled);
    // The counters do count: an unbound packet for the mobile network now takes the default route, and is caught.
    lab.lab.exec(lab.agentHost, process.execPath, ["-e",
      `const s = require("node:dgram").createSocket("udp4"); s.send("x", 53, ${JSON.stringify(lab.mobileDestinations[0])}, () => s.close())`]);
    expect(lab.leakedPackets(), "the leak counter after an unbound packet").toBeGreaterThan(settled);
  }, 420_000);
});
