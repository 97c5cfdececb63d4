import { describe, expect, it } from "vitest";
import { ShutdownSequence, STOP_ORDER } from "../../src/serve/shutdown.js";

const quiet = { info: () => undefined, error: () => undefined };

describe("ShutdownSequence", () => {
  it("stops in STOP_ORDER whatever order the stages were registered in (start order), Redis last", async () => {
    const done: string[] = [];
    const seq = new ShutdownSequence(quiet);
    // Registered as startServer builds things: Redis first, the HTTP listener last.
    for (const stage of ["redis", "store", "queues", "collector", "drain", "alerts", "detector", "workers", "scheduler", "intake"] as const) {
      seq.add(stage, async () => {
        await new Promise((r) => setTimeout(r, 1));
        done.push(stage);
      });
    }
    await seq.run();
    expect(done).toEqual([...STOP_ORDER]);
    expect(done.indexOf("intake")).toBe(0);
    expect(done.indexOf("collector")).toBeLessThan(done.indexOf("detector"));
  });

  it("logs a failing step and still runs the rest, once however often it is asked", async () => {
    const done: string[] = [];
    const errors: unknown[] = [];
    const seq = new ShutdownSequence({ info: () => undefined, error: (o: unknown) => errors.push(o) });
    seq.add("collector", async () => {
      throw new Error("stuck");
    });
    seq.add("store", async () => done.push("store"));
    seq.add("redis", async () => done.push("redis"));
    await Promise.all([seq.run(), seq.run()]);
    await seq.run();
    expect(done).toEqual(["store", "redis"]);
    expect(errors).toHaveLength(1);
  });
});
