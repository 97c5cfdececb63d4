// The scenario library through the production path at the production cadence and at a lab cadence.
// Each scenario asserts the incidents it must produce (kind, network, targets, confidence, bounds to
// within one probe interval of the regime's onset and end) and that nothing else is published.
// SCENARIO_TABLE=1 prints the delay from onset to publication, in probe intervals.
import { afterAll, describe, expect, it } from "vitest";
import { scenarios } from "./index.js";
import type { ExpectedIncident, Scenario } from "./library.js";
import { LAB, PRODUCTION, runScenario, type Cadence, type ScenarioRun } from "./runner.js";

const table: string[] = [];

function check(s: Scenario, c: Cadence, run: ScenarioRun): void {
  expect(run.errors, "detector pass errors").toEqual([]);
  const I = run.intervalMs;
  const got = run.incidents.map((i) => `${i.network}:${i.kind}`).sort();
  expect(got, "incidents published").toEqual(s.expect.map((e) => `${e.network}:${e.kind}`).sort());
  for (const e of s.expect) {
    const i = run.incidents.find((x) => x.network === e.network && x.kind === e.kind);
    if (!i) throw new Error("unreachable");
    const where = `${s.name} @${c.name} ${e.network}`;
    const onset = run.onsets[e.phase] ?? 0;
    expect(i.targets, where).toEqual(e.targets);
    expect(i.confidence, where).toBe(e.confidence);
    // Never published as another kind first ("service_blocking listing dozens", …).
    expect(i.revisions.filter((r) => r.field === "kind"), where).toEqual([]);
    const started = Date.parse(i.startedAt);
    expect(started, `${where}: startedAt ${i.startedAt} within one interval of onset`).toBeGreaterThanOrEqual(onset);
    expect(started, `${where}: startedAt ${i.startedAt} within one interval of onset`).toBeLessThanOrEqual(onset + I);
    expect(i.lastGoodAt, where).not.toBeNull();
    expect(Date.parse(i.lastGoodAt ?? ""), `${where}: lastGoodAt before onset`).toBeLessThan(onset);
    if (e.endPhase === undefined) {
      expect(i.endedAt, where).toBeNull();
    } else {
      const end = run.onsets[e.endPhase] ?? 0;
      expect(i.endedAt, where).not.toBeNull();
      const ended = Date.parse(i.endedAt ?? "");
      if (e.endReason) {
        expect(i.endReason, where).toBe(e.endReason);
        expect(Math.abs(ended - end), `${where}: endedAt ${i.endedAt} near the removal`).toBeLessThanOrEqual(I);
      } else {
        expect(i.endReason ?? null, where).toBeNull();
        expect(ended, `${where}: endedAt ${i.endedAt} after the end`).toBeGreaterThanOrEqual(end);
        expect(ended, `${where}: endedAt ${i.endedAt} within one interval of the end`).toBeLessThanOrEqual(end + I);
      }
    }
    const published = run.events.find((ev) => ev.incident.id === i.id && ev.type === "opened");
    const delay = published ? (published.passAt - onset) / I : Number.NaN;
    table.push(`| ${s.name} | ${c.name} | ${e.network} | ${e.kind} | ${delay.toFixed(2)} |`);
  }
  if (s.expect.length === 0) table.push(`| ${s.name} | ${c.name} | – | none | – |`);
}

describe.each([PRODUCTION, LAB])("scenario library at the $name cadence", (cadence) => {
  it.each(scenarios.map((s) => [s.name, s] as const))("%s", async (_name, s) => {
    check(s, cadence, await runScenario(s, cadence));
  }, 120_000);
});

afterAll(() => {
  if (process.env["SCENARIO_TABLE"]) {
    console.log(["| scenario | cadence | network | kind | delay (intervals) |", "|---|---|---|---|---|", ...table].join("\n"));
  }
});

export type { ExpectedIncident };
