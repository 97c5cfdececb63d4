import { afterEach, describe, expect, it } from "vitest";
import { appendFileSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
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

  it("settles a segment: what is kept stays pending, what is refused moves to quarantine with its reason", () => {
    const dir = tempDir();
    const s = new Spool(dir);
    const n1 = s.append([fixtureMeasurement()]);
    const keep = fixtureMeasurement();
    const refuse = fixtureMeasurement();
    const n2 = s.append([keep, refuse]);
    s.done(n1);
    s.settle(n2, [keep], [{ reason: "server: invalid", item: refuse }]);
    expect(s.segments()).toHaveLength(1);
    expect(s.read(s.segments()[0]!).measurements).toEqual([keep]);
    expect(readdirSync(join(dir, "quarantine"))).toHaveLength(1);
    expect(s.quarantined()).toEqual([expect.objectContaining({ reason: "server: invalid", item: refuse })]);
    expect(s.requeue()).toBe(1);
    expect(s.pendingCount()).toBe(2);
    expect(s.quarantined()).toEqual([]);
  });

  it("leaves no temporary files behind and keeps files private to the volunteer", () => {
    const dir = tempDir();
    const s = new Spool(dir);
    const name = s.append([fixtureMeasurement()]);
    s.recordAttempt("server answered 503", false);
    expect(readdirSync(dir).filter((f) => f.startsWith("."))).toEqual([]);
    expect(statSync(join(dir, name)).mode & 0o077).toBe(0);
    expect(s.status()).toMatchObject({ lastError: "server answered 503", lastDeliveryAt: null });
  });

  it("skips a torn last line after a crash instead of failing the segment", () => {
    const dir = tempDir();
    const s = new Spool(dir);
    const name = s.append([fixtureMeasurement()]);
    appendFileSync(join(dir, name), '{"version":1,"id":"trunc');
    const seg = s.read(name);
    expect(seg.measurements).toHaveLength(1);
    expect(seg.unreadable).toEqual(['{"version":1,"id":"trunc']);
  });
});
