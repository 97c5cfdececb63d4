// Exports over a real HTTP server on 127.0.0.1: many rows, streamed in chunks, filters, and backpressure.
import { request as httpRequest } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CSV_COLUMNS } from "../../../src/api/csv.js";
import type { Measurement } from "../../../src/measurement.js";
import type { MeasurementQuery } from "../../../src/store/store.js";
import { fixtureMeasurement } from "../../fixtures/measurement.js";
import { createHarness, type Harness } from "../harness.js";

/** Reads a fetch body chunk by chunk (the DOM typings lack ReadableStream's async iterator). */
async function* chunksOf(body: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    yield value;
  }
}

const ROWS = 20_000;
const start = Date.parse("2026-03-09T00:00:00.000Z");

describe("measurement exports over HTTP", () => {
  let h: Harness;
  let base: string;
  /** Rows the store's cursor has handed out so far (counted around the real store). */
  let yielded = 0;

  beforeAll(async () => {
    h = await createHarness();
    const realStream = h.store.streamMeasurements.bind(h.store);
    h.store.streamMeasurements = (q: MeasurementQuery) =>
      (async function* counted(): AsyncGenerator<Measurement> {
        for await (const m of realStream(q)) {
          yielded++;
          yield m;
        }
      })();
    const batch: Measurement[] = [];
    for (let i = 0; i < ROWS; i++) {
      batch.push(
        fixtureMeasurement({
          region: i % 2 === 0 ? "KZ-47" : "KZ-75",
          network: i % 4 === 0 ? "kcell-mobile" : "kt-fixed",
          probeId: `probe-${i % 3}`,
          url: i === 7 ? 'https://q.example/a,"b"' : `https://site${i % 50}.example/`,
          category: i === 9 ? "=HYPERLINK(1)" : "news",
          accessible: i % 5 !== 0,
          blocking: i % 5 === 0 ? "dns" : null,
          startedAt: new Date(start + i * 4_000).toISOString(), // ~22 h of data
          bytesPerSecond: i % 10 === 0 ? 1_500_000 : null,
        }),
      );
      if (batch.length === 2000) await h.store.insertMeasurements(batch.splice(0));
    }
    base = await h.listen();
  });
  afterAll(async () => h.close());

  it("streams every row as CSV in order, chunked, with quoting", async () => {
    const res = await fetch(`${base}/api/v1/measurements/export.csv?since=2026-03-09T00:00:00Z&until=2026-03-10T00:00:00Z`);
    expect(res.status).toBe(200);
    expect(res.headers.get("transfer-encoding")).toBe("chunked");
    expect(res.headers.get("content-length")).toBeNull();
    expect(res.headers.get("content-disposition")).toMatch(/attachment; filename="keepwatch-measurements-2026-03-09\.csv"/);
    let chunks = 0;
    let text = "";
    const decoder = new TextDecoder();
    for await (const chunk of chunksOf(res.body!)) {
      chunks++;
      text += decoder.decode(chunk, { stream: true });
    }
    expect(chunks).toBeGreaterThan(10);
    const lines = text.split("\r\n");
    expect(lines[0]).toBe(CSV_COLUMNS.join(","));
    expect(lines.at(-1)).toBe("");
    expect(lines).toHaveLength(ROWS + 2);
    expect(lines[8]).toContain(',"https://q.example/a,""b""",');
    expect(lines[10]).toContain(",'=HYPERLINK(1),");
    const startedAt = lines.slice(1, -1).map((l) => l.split(",")[1]!);
    expect([...startedAt].sort()).toEqual(startedAt);
    const first = lines[1]!.split(",");
    expect(first.slice(2, 4)).toEqual(["KZ-47", "kcell-mobile"]);
    expect(first[9]).toBe("false"); // i=0: blocked by DNS
    expect(first[10]).toBe("dns");
    expect(first[14]).toBe("1500000");
  });

  it("filters NDJSON by region, network and time", async () => {
    const since = new Date(start + 1000 * 4_000).toISOString();
    const until = new Date(start + 2000 * 4_000).toISOString();
    const res = await fetch(`${base}/api/v1/measurements/export.ndjson?region=KZ-47&network=kcell-mobile&since=${since}&until=${until}`);
    expect(res.headers.get("content-type")).toBe("application/x-ndjson; charset=utf-8");
    const items = (await res.text()).trim().split("\n").map((l) => JSON.parse(l) as Measurement);
    expect(items).toHaveLength(250); // i in [1000, 2000) with i % 4 == 0
    expect(items.every((m) => m.region === "KZ-47" && m.network.id === "kcell-mobile")).toBe(true);
    expect(items[0]?.startedAt).toBe(since);
    expect(items.every((m) => m.startedAt >= since && m.startedAt < until)).toBe(true);
  });

  it("refuses ranges over 31 days", async () => {
    const res = await fetch(`${base}/api/v1/measurements/export.csv?since=2026-01-01T00:00:00Z&until=2026-03-01T00:00:00Z`);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("range_too_large");
  });

  it("reads from the store only as fast as the client reads (backpressure), and stops when it leaves", async () => {
    yielded = 0;
    const url = new URL(`${base}/api/v1/measurements/export.ndjson?since=2026-03-09T00:00:00Z&until=2026-03-10T00:00:00Z`);
    const req = httpRequest(url);
    const res = await new Promise<import("node:http").IncomingMessage>((resolve) => {
      req.on("response", resolve);
      req.end();
    });
    // ~30 MB in total; the client reads one chunk and then stops reading.
    await new Promise<void>((resolve) => res.once("data", () => resolve()));
    res.pause();
    // Let the server fill the socket buffers as far as it can.
    let previous = -1;
    while (previous !== yielded) {
      previous = yielded;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(yielded).toBeGreaterThan(0);
    expect(yielded).toBeLessThan(ROWS / 2);
    const stalledAt = yielded;
    req.destroy();
    await new Promise((r) => setTimeout(r, 300));
    expect(yielded - stalledAt).toBeLessThan(1000);
  });
});
