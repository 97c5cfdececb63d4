// Codec benchmark: CPU per encode and bytes per measurement of the stored encoding (src/store/measurement-codec.ts)
// for deflate levels, memLevels and strategies, on production-shaped measurements (bench/store-size.ts'
// schedule). Every variant is decoded back and compared, so a setting that breaks the format cannot win.
// Variants run interleaved (round robin, rotated, several passes) so a busy machine slows them alike; CPU is this
// process's user+system time.
//   npx tsx bench/measurement-codec.ts [count] [passes]
import { constants } from "node:zlib";
import { pathToFileURL } from "node:url";
import { codecContext, decodeMeasurementJson, encodeMeasurementJson, type DeflateTuning } from "../src/store/measurement-codec.js";
import { productionSchedule } from "./store-size.js";

export interface CodecVariant {
  name: string;
  tuning: DeflateTuning;
}

export const CODEC_VARIANTS: CodecVariant[] = [
  { name: "level 5 (the default)", tuning: {} },
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
}

function cpuMicros(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

export function benchMeasurementCodec(opts: { count?: number; passes?: number } = {}): CodecFigures {
  const count = opts.count ?? 5_000;
  const passes = opts.passes ?? 5;
  const items = [...productionSchedule(count, 8, 60)].map((m) => ({ json: JSON.stringify(m), context: codecContext(m) }));
  const cpu = new Map<string, number>(CODEC_VARIANTS.map((v) => [v.name, 0]));
  const bytes = new Map<string, number>();
  // An untimed pass first: it also checks that every variant decodes back exactly and records its bytes.
  for (const v of CODEC_VARIANTS) {
    let total = 0;
    items.forEach((it, i) => {
      const b = encodeMeasurementJson(it.json, it.context, v.tuning);
      total += b.length;
      if (decodeMeasurementJson(b, it.context) !== it.json) throw new Error(`${v.name}: item ${i} does not decode back`);
    });
    bytes.set(v.name, total / count);
  }
  for (let pass = 0; pass < passes; pass++) {
    // Rotated each pass, so no variant always runs first (after the previous pass's garbage) or last.
    const order = CODEC_VARIANTS.map((_, i) => CODEC_VARIANTS[(i + pass) % CODEC_VARIANTS.length]!);
    for (const v of order) {
      const t0 = cpuMicros();
      for (const it of items) encodeMeasurementJson(it.json, it.context, v.tuning);
      cpu.set(v.name, cpu.get(v.name)! + (cpuMicros() - t0));
    }
  }
  const variants = CODEC_VARIANTS.map((v) => ({ name: v.name, cpuMicrosPerEncode: Number((cpu.get(v.name)! / passes / count).toFixed(1)),
    bytesPerMeasurement: Math.round(bytes.get(v.name)!) }));
  const meanJsonBytes = Math.round(items.reduce((n, it) => n + it.json.length, 0) / count);
  return { count, meanJsonBytes, variants };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const f = benchMeasurementCodec({ count: Number(process.argv[2] ?? 5_000), passes: Number(process.argv[3] ?? 5) });
  console.log(`${f.count} measurements, mean JSON ${f.meanJsonBytes} B`);
  console.log("variant                    CPU µs/encode  bytes/measurement");
  for (const v of f.variants) console.log(`${v.name.padEnd(26)} ${String(v.cpuMicrosPerEncode).padEnd(14)} ${v.bytesPerMeasurement}`);
}
