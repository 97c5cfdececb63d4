// The agent's own cron reader must give the same run times as node-cron, which it replaces for the usual forms
// (node-cron stays for the rest), and must never run a round twice at once.
import { afterEach, describe, expect, it, vi } from "vitest";
import { createTask } from "node-cron";
import { nextRun, parseCron, scheduleCron } from "../../src/agent/cron-schedule.js";

const PLAIN = [
  "*/5 * * * *", "0 * * * * *", "*/3 * * * * *", "0 0 1 1 *", "15,45 9-17 * * mon-fri", "0 12 * jan,jul sun",
  "30 2 * * 7", "0 0 29 2 *", "*/7 */2 * * *", "0 0 31 * *", "5-10/2 * * * *", "0 0 * * 1-5", "0 30 4 * * Saturday",
  "59 23 31 12 *", "0 0 * * 0,7", "10-20 3 * * *",
];
// Local times to start from: month and year ends, a leap day, a second before a match. (Not the repeated hour
// of a daylight-saving change: there node-cron skips an hour of a five-minute schedule; see the test below.)
const STARTS = [
  new Date(2026, 11, 2, 6, 59, 59, 500), new Date(2026, 11, 31, 23, 59, 30), new Date(2027, 1, 27, 12, 0, 0),
  new Date(2028, 1, 28, 23, 59, 59), new Date(2026, 2, 29, 1, 58, 0),
];

describe("parseCron / nextRun", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("gives node-cron's next three run times for the plain forms", () => {
    for (const expression of PLAIN) {
      const fields = parseCron(expression);
      expect(fields, expression).not.toBeNull();
      for (const start of STARTS) {
        vi.useFakeTimers({ toFake: ["Date"] });
        vi.setSystemTime(start);
        const theirs = createTask(expression, () => undefined).getNextRuns(3).map((d) => d.toISOString());
        vi.useRealTimers();
        const ours: string[] = [];
        for (let at = start; ours.length < 3; ) {
          const next = nextRun(fields!, at);
          expect(next, `${expression} after ${start.toISOString()}`).not.toBeNull();
          at = next!;
          ours.push(at.toISOString());
        }
        expect(ours, `${expression} after ${start.toISOString()}`).toEqual(theirs);
      }
    }
  });

  it("leaves the other forms to node-cron and refuses nonsense", () => {
    for (const other of ["0 0 L * *", "0 0 * * 1#2", "5/10 * * * *", "0 0 ? * *"]) expect(parseCron(other), other).toBeNull();
    for (const bad of ["61 * * * *", "* * * *", "*/0 * * * *", "5-1 * * * *", "* * * * funday", "* * 32 * *", "1 2 3 4 5 6 7", ""]) {
      expect(parseCron(bad), bad).toBeNull();
    }
  });

  it("keeps a five-minute schedule through the repeated hour when the clocks go back", () => {
    const tz = process.env.TZ;
    process.env.TZ = "Europe/Berlin"; // 2026-10-25 03:00 CEST becomes 02:00 CET
    try {
      const fields = parseCron("*/5 * * * *")!;
      const runs: string[] = [];
      for (let at: Date | null = new Date("2026-10-25T00:50:00Z"); runs.length < 4; ) runs.push((at = nextRun(fields, at!))!.toISOString());
      expect(runs).toEqual(["2026-10-25T00:55:00.000Z", "2026-10-25T01:00:00.000Z", "2026-10-25T01:05:00.000Z", "2026-10-25T01:10:00.000Z"]);
    } finally {
      if (tz === undefined) delete process.env.TZ;
      else process.env.TZ = tz;
    }
  });

  it("returns null for a date that never comes", () => {
    expect(nextRun(parseCron("0 0 30 2 *")!, new Date(2026, 0, 1))).toBeNull();
  });
});

describe("scheduleCron", () => {
  it("rejects an expression node-cron refuses too", async () => {
    await expect(scheduleCron("61 * * * *", () => undefined)).rejects.toThrow();
  });

  it("runs every matching second, never two runs at once, and stops when destroyed", async () => {
    let active = 0;
    let most = 0;
    let runs = 0;
    const task = await scheduleCron("* * * * * *", async () => {
      runs++;
      active++;
      most = Math.max(most, active);
      await new Promise((r) => setTimeout(r, 1_500)); // longer than the period: the next second is skipped
      active--;
    });
    await new Promise((r) => setTimeout(r, 4_200));
    await task.destroy();
    expect(active).toBe(0); // destroy waited for the run in progress
    const after = runs;
    expect(after).toBeGreaterThanOrEqual(1);
    expect(most).toBe(1);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(runs).toBe(after);
  });

  it("runs a form left to node-cron through node-cron", async () => {
    let runs = 0;
    const task = await scheduleCron("*/1 * * * * *", () => void runs++); // plain: ours
    const other = await scheduleCron("0 0 1 1 1#1", () => undefined); // nth weekday: node-cron's
    await new Promise((r) => setTimeout(r, 2_300));
    await task.destroy();
    await other.destroy();
    expect(runs).toBeGreaterThanOrEqual(1);
  });
});
