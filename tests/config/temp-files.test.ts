// The config tests' temp directories are removed: one made inside a test when that test ends, one made at
// the file's top level once the file is done (an afterAll registered inside a test never ran: hundreds of
// /tmp/keepwatch-config-* were left behind).
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { tempDir } from "./temp-files.js";

const topLevel = tempDir();
let madeInATest = "";

describe("tempDir", () => {
  it("gives a directory to write into", () => {
    const t = tempDir();
    madeInATest = t.dir;
    expect(existsSync(t.write("a.yaml", "x: 1\n"))).toBe(true);
    expect(existsSync(topLevel.write("b.yaml", "y: 2\n"))).toBe(true);
  });

  it("removes a directory made inside a test when that test ends, and keeps the file's own until the end", () => {
    expect(madeInATest).not.toBe("");
    expect(existsSync(madeInATest)).toBe(false);
    expect(existsSync(topLevel.dir)).toBe(true);
  });
});
