// The whole pipeline across real network namespaces (tests/e2e/fixtures/regime-lab.ts): a region goes
// whitelist-only, then fully dark, then comes back, and the API tells that story with the right bounds.
// Detector windows are 5 s and the agent measures every 2 s, so the story fits in about two minutes.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Incident } from "../../src/incident.js";
import { NETWORK, startRegimeLab, type RegimeLab } from "./fixtures/regime-lab.js";

const WINDOW_S = 5;
let lab: RegimeLab;

beforeAll(async () => {
  lab = await startRegimeLab({ windowSeconds: WINDOW_S, probeIntervalSeconds: 2 });
}, 120_000);
afterAll(async () => {
  await lab?.stop();
});

async function waitFor<T>(what: string, probe: (all: Incident[]) => T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const all = await lab.incidents();
    const v = probe(all);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; incidents: ${JSON.stringify(all, null, 1)}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

const sleep = (s: number) => new Promise((r) => setTimeout(r, s * 1000));
const ms = (iso: string | null) => (iso === null ? NaN : Date.parse(iso));

describe("a region through whitelist-only, dark and back", () => {
  it("publishes the right incidents with their bounds", async () => {
    // Normal operation long enough for the detector's warm-up baseline.
    await sleep(WINDOW_S * 6);
    expect((await lab.incidents()).filter((i) => i.status === "open")).toEqual([]);

    // 1. Whitelist-only: the region reaches only the whitelisted sites.
    const whitelistStart = Date.now();
    lab.setRegime("whitelist_only");
    const wl = await waitFor("a whitelist_only incident", (all) =>
      all.find((i) => i.kind === "whitelist_only" && i.status === "open"), 60_000);
    expect(wl.network).toBe(NETWORK);
    expect(ms(wl.startedAt)).toBeGreaterThanOrEqual(whitelistStart - 3000);
    expect(ms(wl.startedAt)).toBeLessThan(whitelistStart + 3 * WINDOW_S * 1000);
    expect(ms(wl.lastGoodAt)).toBeLessThanOrEqual(ms(wl.startedAt));
    expect(ms(wl.startedAt) - ms(wl.lastGoodAt)).toBeLessThan(2 * WINDOW_S * 1000);

    // 2. Dark: nothing leaves the region, not even the agent's uploads.
    await sleep(WINDOW_S * 2);
    const darkStart = Date.now();
    lab.setRegime("dark");
    const dark = await waitFor("a dark incident", (all) => all.find((i) => i.kind === "dark" && i.status === "open"), 60_000);
    expect(dark.network).toBeNull();
    expect(ms(dark.startedAt)).toBeGreaterThanOrEqual(darkStart - 2 * WINDOW_S * 1000);

    // 3. Back: the region reconnects and the agent uploads what it measured in the dark (late data).
    await sleep(WINDOW_S * 2);
    const backAt = Date.now();
    lab.setRegime("normal");
    const settled = await waitFor("every incident closed", (all) =>
      all.length > 0 && all.every((i) => i.status === "closed") ? all : undefined, 90_000);

    // The region was never silent, only cut off: the measurements it spooled arrived late and show what
    // happened, so the dark incident is withdrawn and points at the incident that covers that time.
    const darkNow = settled.find((i) => i.id === dark.id)!;
    expect(darkNow.revisedAt).not.toBeNull();
    const pointer = /\(incident ([^)]+)\)/.exec(darkNow.revisions.at(-1)?.reason ?? "");
    expect(pointer, darkNow.revisions.at(-1)?.reason).not.toBeNull();
    const covering = settled.find((i) => i.id === pointer![1])!;
    expect(covering.network).toBe(NETWORK);
    expect(ms(covering.startedAt)).toBeLessThanOrEqual(darkStart);
    expect(ms(covering.endedAt)).toBeGreaterThanOrEqual(darkStart);
    // With the whitelisted sites failing too, whitelist-only escalated to a full shutdown: one incident,
    // its first start kept, the change on record.
    expect(covering.id).toBe(wl.id);
    expect(covering.startedAt).toBe(wl.startedAt);
    expect(covering.kind).toBe("full_shutdown");
    expect(covering.revisions.some((r) => r.field === "kind" && r.from === "whitelist_only" && r.to === "full_shutdown")).toBe(true);
    // Recovery closes everything with an end after the region came back.
    for (const i of settled) expect(ms(i.endedAt)).toBeGreaterThan(ms(i.startedAt));
    expect(ms(covering.endedAt)).toBeGreaterThanOrEqual(backAt - WINDOW_S * 1000);
  }, 300_000);
});
