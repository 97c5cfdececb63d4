import { checkUpload } from "./src/api/upload.ts";
import { addressFormsRegex } from "./src/privacy/address-forms.ts";
import { scrubText } from "./src/privacy/scrub.ts";
import { hostileMeasurements, v4Forms } from "./tests/privacy/echo-forms.ts";
import { fixtureMeasurement } from "./tests/fixtures/measurement.ts";
const strs = ["https://example.test/", "system", "NOERROR", "example.test", "198.18.0.10", "http/1.1", "TLSv1.3", "keepwatch/0.1.0"];
let t = performance.now(); for (let i = 0; i < 20000; i++) for (const s of strs) scrubText(s, new Set(), null); console.log("generic 160k", (performance.now()-t).toFixed(0));
const who = { probeId: "probe-47", region: "KZ-47", network: "kcell-mobile" };
const startedAt = new Date(Date.now() - 60000).toISOString();
const hostile = hostileMeasurements(who, v4Forms("198.18.77.77"), startedAt);
const items = Array.from({ length: 10000 }, (_, i) => ({ ...hostile[i % hostile.length]!, id: crypto.randomUUID() }));
const plain = Array.from({ length: 10000 }, () => fixtureMeasurement({ ...who, startedAt }));
const ctx = { probe: { probeId: "probe-47", role: "region" as const, region: "KZ-47", network: { id: "kcell-mobile", asn: 1, kind: "mobile" as const } }, receivedAt: new Date(), maxClockSkewMs: 600000, uploader: addressFormsRegex(["198.18.77.77"]) };
for (const [name, batch] of [["hostile", items], ["plain", plain]] as const) {
  t = performance.now(); const v = checkUpload(batch as unknown[], ctx); console.log(name, v.accepted.length, (performance.now() - t).toFixed(0), "ms for 10,000");
}
