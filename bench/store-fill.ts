// The part both store-size benchmarks share: measurements into a store through insertMeasurements in jobs of
// 1,000 (the collector's job size), each insert timed and its CPU counted, then every measurement streamed back.
import type { Measurement } from "../src/measurement.js";
import type { Store } from "../src/store/store.js";

export interface FillFigures {
  count: number;
  insertMs: number;
  /** CPU of this process (encode, driver) during the inserts. */
  clientCpuMs: number;
  /** CPU of another process during the inserts (e.g. the database server), by the given sampler. */
  serverCpuMs: number;
  /** Reading every measurement back whole (streamMeasurements). */
  streamMs: number;
}

export async function fillAndReadBack(store: Store, measurements: Iterable<Measurement>,
  serverCpuMs: () => number = () => 0): Promise<FillFigures> {
  const out = { count: 0, insertMs: 0, clientCpuMs: 0, serverCpuMs: 0, streamMs: 0 };
  let batch: Measurement[] = [];
  const flush = async () => {
    const s0 = serverCpuMs();
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const r = await store.insertMeasurements(batch);
    out.insertMs += performance.now() - t0;
    const c = process.cpuUsage(c0);
    out.clientCpuMs += (c.user + c.system) / 1000;
    out.serverCpuMs += serverCpuMs() - s0;
    if (r.inserted !== batch.length) throw new Error(`stored ${r.inserted} of ${batch.length}`);
    out.count += batch.length;
    batch = [];
  };
  for (const m of measurements) {
    batch.push(m);
    if (batch.length === 1000) await flush();
  }
  if (batch.length > 0) await flush();

  const t1 = performance.now();
  let read = 0;
  for await (const m of store.streamMeasurements({})) if (m.id) read += 1;
  out.streamMs = performance.now() - t1;
  if (read !== out.count) throw new Error(`read back ${read} of ${out.count}`);
  return out;
}
