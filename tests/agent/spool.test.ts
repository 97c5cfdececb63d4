import { afterEach, describe, expect, it } from "vitest";
import { appendFileSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Spool } from "../../src/agent/spool.js";
import { fixtureMeasurement } from "../fixtures/measurement.js";

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "kw-spool-"));
  dirs.push(d);
  return d;
}
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

describe("Spool", () => {
  it("keeps appended batches across a new Spool on the same dir, oldest first", () => {
    const dir = tempDir();
    const a = new Spool(dir);
    const first = [fixtureMeasurement(), fixtureMeasurement()];
    const second = [fixtureMeasurement()];
    a.append(first);
    a.append(second);
    const b = new Spool(dir);
    const names = b.segments();
    expect(names).toHaveLength(2);
    expect(b.read(names[0]!).measurements.map((m) => m.id)).toEqual(first.map((m) => m.id));
    expect(b.pendingCount()).toBe(3);
  });

  it("removes a segment only when told it was accepted, and quarantines refused ones", () => {
    const dir = tempDir();
    const s = new Spool(dir);
    const n1 = s.append([fixtureMeasurement()]);
    const n2 = s.append([fixtureMeasurement()]);
    s.done(n1);
    s.quarantine(n2);
    expect(s.segments()).toEqual([]);
    expect(readdirSync(join(dir, "quarantine"))).toEqual([n2]);
  });

  it("skips a torn last line after a crash instead of failing the segment", () => {
    const dir = tempDir();
    const s = new Spool(dir);
    const name = s.append([fixtureMeasurement()]);
    appendFileSync(join(dir, name), '{"version":1,"id":"trunc');
    const seg = s.read(name);
    expect(seg.measurements).toHaveLength(1);
    expect(seg.corrupt).toBe(1);
  });
});
