// Per-item checks of an upload: each item must be a valid Measurement and be what the token may claim (its probe
// id and region). Valid items are accepted even when others in the batch are not.
import { measurementSchema, type Measurement } from "../measurement.js";
import type { ProbeToken } from "../store/store.js";

export interface UploadVerdict {
  accepted: Measurement[];
  rejected: { index: number; error: string }[];
}

export function checkUpload(items: unknown[], token: ProbeToken): UploadVerdict {
  const out: UploadVerdict = { accepted: [], rejected: [] };
  items.forEach((item, index) => {
    const parsed = measurementSchema.safeParse(item);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue && issue.path.length > 0 ? `${issue.path.join(".")}: ` : "";
      out.rejected.push({ index, error: `invalid measurement: ${where}${issue?.message ?? "invalid"}` });
      return;
    }
    const m = parsed.data;
    if (m.probe.id !== token.probeId) {
      out.rejected.push({ index, error: `token is for probe ${token.probeId}, measurement claims ${m.probe.id}` });
    } else if (m.region !== token.region) {
      out.rejected.push({ index, error: `token is for region ${token.region}, measurement claims ${m.region}` });
    } else {
      out.accepted.push(m);
    }
  });
  return out;
}
