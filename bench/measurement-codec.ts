// Codec benchmark: CPU per encode and bytes per measurement of the stored encoding (src/store/measurement-codec.ts)
// for deflate levels, memLevels and strategies, and the previous encoder (bench/measurement-codec-previous.ts)
// side by side, on production-shaped measurements (bench/store-size.ts' schedule); then CPU per decode.
// Every variant is decoded back and compared, so a setting that breaks the format cannot win.
// Variants run interleaved (round robin, rotated, several passes) so a busy machine slows them alike; CPU is this
// process's user+system time.
//   npx tsx bench/measurement-codec.ts [count] [passes] [name,name…]   (only the variants whose name contains one;
//   fewer variants side by side resolve a smaller difference on a busy machine)
import { constants } from "node:zlib";
import { pathToFileURL } from "node:url";
import { loadavg } from "node:os";
import {
  codecContext, decodeMeasurementJson, encodeMeasurementJson, type CodecContext, type DeflateTuning,
} from "../src/store/measurement-codec.js";
import { previousEncodeMeasurementJson } from "./measurement-codec-previous.js";
import { productionSchedule } from "./store-size.js";

export interface CodecVariant {
  name: string;
  tuning: DeflateTuning;
  /** Another encoder of the same format (default: encodeMeasurementJson with the tuning). */
  encode?: (json: string, context: CodecContext) => Buffer;
}

export const CODEC_VARIANTS: CodecVariant[] = [
  { name: "level 5 (the default)", tuning: {} },
  { name: "previous encoder (string)", tuning: {}, encode: previousEncodeMeasurementJson },
  { name: "level 5, chunkSize 16384", tuning: { chunkSize: 16_384 } },
  { name: "level 5, chunkSize 1024", tuning: { chunkSize: 1024 } },
  ...[1, 2, 3, 4, 5, 6, 9].map((level) => ({ name: `level ${level}`, tuning: { level } })),
  { name: "level 6, memLevel 9", tuning: { memLevel: 9 } },
  { name: "level 6, filtered", tuning: { strategy: constants.Z_FILTERED } },
  { name: "level 3, filtered", tuning: { level: 3, strategy: constants.Z_FILTERED } },
];

export interface CodecFigures {
  count: number;
  meanJsonBytes: number;
  variants: { name: string; cpuMicrosPerEncode: number; bytesPerMeasurement: number }[];
  /** decodeMeasurementJson of the default encoding, CPU µs per decode (the same passes, its own turn). */
  cpuMicrosPerDecode: number;
}

function encoder(v: CodecVariant): (json: string, context: CodecContext) => Buffer {
  return v.encode ?? ((json, context) => encodeMeasurementJson(json, context, v.tuning));
}

function cpuMicros(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

export function benchMeasurementCodec(opts: { count?: number; passes?: number; only?: string[] } = {}): CodecFigures {
  const count = opts.count ?? 5_000;
  const passes = opts.passes ?? 5;
  const only = opts.only;
  const VARIANTS: CodecVariant[] = only?.length ? CODEC_VARIANTS.filter((v) => only.some((o) => v.name.includes(o))) : CODEC_VARIANTS;
  const items = [...productionSchedule(count, 8, 60)].map((m) => ({ json: JSON.stringify(m), context: codecContext(m) }));
  const cpu = new Map<string, number>(VARIANTS.map((v) => [v.name, 0]));
  const bytes = new Map<string, number>();
  // An untimed pass first: it also checks that every variant decodes back exactly and records its bytes.
  for (const v of VARIANTS) {
    let total = 0;
    const encode = encoder(v);
    items.forEach((it, i) => {
      const b = encode(it.json, it.context);
      total += b.length;
      if (decodeMeasurementJson(b, it.context) !== it.json) throw new Error(`${v.name}: item ${i} does not decode back`);
    });
    bytes.set(v.name, total / count);
  }
  const stored = items.map((it) => encodeMeasurementJson(it.json, it.context));
  let decodeCpu = 0;
  for (let pass = 0; pass < passes; pass++) {
    // Rotated each pass, so no variant always runs first (after the previous pass's garbage) or last.
    const order = VARIANTS.map((_, i) => VARIANTS[(i + pass) % VARIANTS.length]!);
    for (const v of order) {
      const encode = encoder(v);
      const t0 = cpuMicros();
      for (const it of items) encode(it.json, it.context);
      cpu.set(v.name, cpu.get(v.name)! + (cpuMicros() - t0));
    }
    const t0 = cpuMicros();
    items.forEach((it, i) => decodeMeasurementJson(stored[i]!, it.context));
    decodeCpu += cpuMicros() - t0;
  }
  const variants = VARIANTS.map((v) => ({ name: v.name, cpuMicrosPerEncode: Number((cpu.get(v.name)! / passes / count).toFixed(1)),
    bytesPerMeasurement: Math.round(bytes.get(v.name)!) }));
  const meanJsonBytes = Math.round(items.reduce((n, it) => n + it.json.length, 0) / count);
  return { count, meanJsonBytes, variants, cpuMicrosPerDecode: Number((decodeCpu / passes / count).toFixed(1)) };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const load = () => loadavg().map((l) => l.toFixed(2)).join(" ");
  const before = load();
  const only = process.argv[4]?.split(",").filter(Boolean);
  const f = benchMeasurementCodec({ count: Number(process.argv[2] ?? 5_000), passes: Number(process.argv[3] ?? 5), only });
  console.log(`${f.count} measurements, mean JSON ${f.meanJsonBytes} B; load average ${before} before, ${load()} after`);
  console.log("variant                    CPU µs/encode  bytes/measurement");
  for (const v of f.variants) console.log(`${v.name.padEnd(26)} ${String(v.cpuMicrosPerEncode).padEnd(14)} ${v.bytesPerMeasurement}`);
  console.log(`decode (the default's rows) ${f.cpuMicrosPerDecode} µs`);
}
