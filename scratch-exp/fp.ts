import { deflateRawSync } from "node:zlib";
import { DICTIONARY_V1, codecContext } from "../src/store/measurement-codec.js";
import { productionSchedule } from "../bench/store-size.js";
const ms = [...productionSchedule(3000, 17, 60)];
const ctx = (m: any, extra = "") => { const c = codecContext(m); return Buffer.from(`"${c.category}"${c.probeId}"${c.network}"${c.region}"${new Date(c.startedMs).toISOString()}"${extra}${c.url}"${c.id}"`); };
const run = (name: string, tf: (s: string) => string, extra?: (m: any) => string) => {
  let n = 0;
  for (const m of ms) n += deflateRawSync(tf(JSON.stringify(m)), { level: 6, windowBits: 13, memLevel: 5, dictionary: Buffer.concat([DICTIONARY_V1, ctx(m, extra?.(m))]) }).length + 1;
  console.log(name, (n / ms.length).toFixed(1));
};
run("base", (s) => s);
run("recv ctx", (s) => s, (m) => m.receivedAt + '"');
run("fp lower nocolon", (s) => s.replace(/"([0-9A-F]{2}(?::[0-9A-F]{2})+)"/g, (_, h) => `"\x02${h.replaceAll(":", "").toLowerCase()}"`));
run("fp upper nocolon", (s) => s.replace(/"([0-9A-F]{2}(?::[0-9A-F]{2})+)"/g, (_, h) => `"\x02${h.replaceAll(":", "")}"`));
run("fp lower + recv", (s) => s.replace(/"([0-9A-F]{2}(?::[0-9A-F]{2})+)"/g, (_, h) => `"\x02${h.replaceAll(":", "").toLowerCase()}"`), (m) => m.receivedAt + '"');
