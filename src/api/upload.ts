// Per-item checks of an upload. Each item must be a valid Measurement, speak for the token's probe as the
// server's registry knows it (probe id, role, region, network), and be dated between the project's epoch
// and the receive time plus the allowed clock skew. Accepted items are rewritten: the registry's identity,
// the server's receive time, its verdict on the item's network attribution, and the uploader's address
// scrubbed in every form. Valid items are accepted
// even when others in the batch are not.
import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import { measurementSchema, startedAtProblem, type Attribution, type Measurement } from "../measurement.js";
import { SCRUBBED, scrubMeasurement } from "../privacy/scrub.js";
import type { RegisteredProbe } from "../registry/probe-registry.js";
import { normalizeUrl } from "../config/whitelist.js";

const targetSchema = measurementSchema.shape.target;

export interface UploadVerdict {
  accepted: Measurement[];
  rejected: { index: number; error: string }[];
}

export interface UploadContext {
  /** Who the token speaks for, from the registry. */
  probe: RegisteredProbe;
  receivedAt: Date;
  /** How far after receivedAt a startedAt may be. */
  maxClockSkewMs: number;
  /** Every form of the uploader's address (address-forms.ts), or null when unknown/anonymous. */
  uploader: RegExp | null;
  /** The server's verdict on an item's network attribution (Attributor.judge); absent = left as uploaded minus any verdict. */
  judgeAttribution?: (a: Attribution, probe: RegisteredProbe) => Promise<Attribution>;
  /**
   * The server's targets by normalised URL (normalizeUrl): a configured URL's list and category are the
   * configuration's, never the upload's. Absent = left as uploaded.
   */
  targetLists?: ReadonlyMap<string, { list: Measurement["target"]["list"]; category: string }>;
}

/** Claimed values shown in a reason: short, one line, and never the uploader's address. */
function shown(value: unknown, uploader: RegExp | null): string {
  const text = JSON.stringify(String(value).slice(0, 64));
  return uploader ? text.replace(uploader, SCRUBBED) : text;
}

function identityProblem(m: Measurement, ctx: UploadContext): string | null {
  const p = ctx.probe;
  const show = (v: unknown) => shown(v, ctx.uploader);
  if (m.probe.id !== p.probeId) return `token is for probe ${p.probeId}, measurement claims probe ${show(m.probe.id)}`;
  if (m.region !== p.region) return `probe ${p.probeId} is registered in region ${p.region}, measurement claims ${show(m.region)}`;
  if (m.probe.role !== p.role) {
    return `probe ${p.probeId} is registered with role ${p.role}, measurement claims role ${show(m.probe.role)}`;
  }
  if (m.network.id !== p.network.id) {
    return `probe ${p.probeId} is registered on network ${p.network.id}, measurement claims ${show(m.network.id)}`;
  }
  return null;
}

/** Items checked between yields to the event loop: a 10,000-item batch must not stall other requests. */
const ITEMS_PER_SLICE = 25;

export async function checkUpload(items: unknown[], ctx: UploadContext): Promise<UploadVerdict> {
  const out: UploadVerdict = { accepted: [], rejected: [] };
  const receivedAt = ctx.receivedAt.toISOString();
  for (let index = 0; index < items.length; index++) {
    if (index > 0 && index % ITEMS_PER_SLICE === 0) await yieldToEventLoop();
    const parsed = measurementSchema.safeParse(items[index]);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue && issue.path.length > 0 ? `${issue.path.join(".")}: ` : "";
      out.rejected.push({ index, error: `invalid measurement: ${where}${issue?.message ?? "invalid"}` });
      continue;
    }
    const m = parsed.data;
    const problem = identityProblem(m, ctx) ?? startedAtProblem(m.startedAt, ctx.receivedAt, ctx.maxClockSkewMs);
    if (problem) {
      out.rejected.push({ index, error: problem });
      continue;
    }
    // The verdict is the server's: an uploaded one is never kept.
    const attribution = m.attribution === undefined ? undefined
      : ctx.judgeAttribution ? await ctx.judgeAttribution(m.attribution, ctx.probe) : { ...m.attribution, verdict: "unverified" as const };
    // Which list a target is on decides whitelist_only against service_blocking: the server's configuration
    // says, not an agent with a stale assignment or a forged label.
    const configured = ctx.targetLists?.get(normalizeUrl(m.target.url));
    const scrubbed = scrubMeasurement({
      ...m,
      ...(attribution && { attribution }),
      ...(configured && { target: { ...m.target, list: configured.list, category: configured.category } }),
      probe: { ...m.probe, role: ctx.probe.role },
      region: ctx.probe.region,
      network: { ...ctx.probe.network },
      receivedAt,
    }, { known: ctx.uploader });
    // Scrubbing may leave a field its schema refuses (the uploader's address as the target URL's host);
    // only free text changed, so only the target needs checking again.
    if (!targetSchema.safeParse(scrubbed.target).success) {
      out.rejected.push({ index, error: "measurement carries the uploader's address in target.url, where it cannot be scrubbed" });
      continue;
    }
    out.accepted.push(scrubbed);
  }
  return out;
}
