// Hysteresis on bare window verdicts: opening, closing, gaps, kind changes, seeds.
import { describe, expect, it } from "vitest";
import type { IncidentKind } from "../../src/incident.js";
import { episodes, type SeriesWindow } from "../../src/detect/hysteresis.js";

/** "." good, "F" full_shutdown, "W" whitelist_only, "S" service_blocking, "T" throttling, "_" insufficient. */
function windows(pattern: string): SeriesWindow[] {
  const kinds: Record<string, IncidentKind> = { F: "full_shutdown", W: "whitelist_only", S: "service_blocking", T: "throttling" };
  return [...pattern].map((c, i) => {
    const base = { start: i * 10, end: i * 10 + 10, lastAt: i * 10 + 5 };
    if (c === ".") return { ...base, status: "good" as const };
    if (c === "_") return { ...base, status: "insufficient" as const };
    return { ...base, status: "bad" as const, kind: kinds[c]! };
  });
}

const cfg = { openAfter: 2, closeAfter: 2 };
const summary = (pattern: string, c: { openAfter: number; closeAfter: number; maxGapWindows?: number } = cfg) =>
  episodes(windows(pattern), c).map((e) => ({
    kind: e.kind, first: e.bad[0]?.start, lastGood: e.lastGood?.start ?? null, recovery: e.recovery?.start ?? null,
  }));

describe("episodes", () => {
  it("opens after openAfter consecutive bad windows and closes after closeAfter good ones", () => {
    expect(summary("..FF..")).toEqual([{ kind: "full_shutdown", first: 20, lastGood: 10, recovery: 40 }]);
    expect(summary("..F.F.")).toEqual([]);
  });

  it("one good window inside an open episode does not close it", () => {
    expect(summary("..FF.FF..")).toEqual([{ kind: "full_shutdown", first: 20, lastGood: 10, recovery: 70 }]);
  });

  it("insufficient windows neither extend nor break a run", () => {
    expect(summary(".F_F..")).toEqual([{ kind: "full_shutdown", first: 10, lastGood: 0, recovery: 40 }]);
    expect(summary(".FF._.")).toEqual([{ kind: "full_shutdown", first: 10, lastGood: 0, recovery: 30 }]);
  });

  it("bad windows of different families in a row do not open", () => {
    expect(summary(".FTFT.")).toEqual([]);
  });

  it("kinds of one family open together; the kind changes only after openAfter windows of the new kind", () => {
    const [e] = episodes(windows(".SSWSWWW.."), cfg);
    expect(e?.kinds).toEqual([
      { kind: "service_blocking", since: 10 },
      { kind: "whitelist_only", since: 50 },
    ]);
    expect(e?.kind).toBe("whitelist_only");
  });

  it("an open episode stays open at the end of the series", () => {
    expect(summary("..FFF")).toEqual([{ kind: "full_shutdown", first: 20, lastGood: 10, recovery: null }]);
  });

  it("a seed continues an incident that was open before the series began", () => {
    const [e] = episodes(windows("W..."), cfg, { id: "kz-75-x", kind: "whitelist_only" });
    expect(e).toMatchObject({ seededFrom: "kz-75-x", kind: "whitelist_only" });
    expect(e?.recovery?.start).toBe(10);
    expect(episodes(windows("...."), { openAfter: 2, closeAfter: 3 }, { id: "s", kind: "dark" })[0]?.recovery?.start).toBe(0);
  });

  it("bad windows further apart than maxGapWindows are separate runs, however many insufficient ones lie between", () => {
    expect(summary("..F______F..", { ...cfg, maxGapWindows: 3 })).toEqual([]);
    expect(summary("..F__F..", { ...cfg, maxGapWindows: 3 })).toEqual([{ kind: "full_shutdown", first: 20, lastGood: 10, recovery: 60 }]);
  });

  it("a bad window resting on a run that began windows earlier counts for the windows its run spans", () => {
    // Window 4 is the first classified bad, on failures since window 2 (windows 2-3 were still "good").
    const ws = windows("....S...");
    ws[4] = { ...ws[4]!, since: 20 };
    const [ep] = episodes(ws, cfg);
    expect(ep).toMatchObject({ kind: "service_blocking", since: 20 });
    expect(ep?.lastGood?.start).toBe(10); // before the run began, not the window before the first bad one
    expect(ep?.recovery?.start).toBe(50);
  });

  it("windows disagreeing at opening open as the most severe kind on a tie", () => {
    expect(summary("..WS..").map((e) => e.kind)).toEqual(["whitelist_only"]);
    expect(summary("..SW..").map((e) => e.kind)).toEqual(["whitelist_only"]);
  });
});
