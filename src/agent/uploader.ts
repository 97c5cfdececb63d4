// Uploads spooled segments to the server's batch endpoint with the probe's bearer token.
//
// Only a verdict of the KeepWatch server on the data itself takes anything out of the upload path: the items a
// 202 lists as rejected, or the single item a KeepWatch 400/422 refuses, go to quarantine one by one with the
// server's reason. Everything else — no network, a captive portal's 200 or 403 page, 401 (a token the operator
// has yet to issue or fix), 408, 429, 5xx — keeps the segment for a later try. A 413 or a whole-batch 400 splits
// the segment in two, so one bad item cannot hold back the rest.
import { request } from "undici";
import type { Measurement } from "../measurement.js";
import type { Spool } from "./spool.js";

export interface UploadReport {
  uploaded: number;
  /** Items the server judged invalid, now in quarantine with its reason. */
  quarantined: number;
  segmentsLeft: number;
  /** Why uploading stopped early, if it did (e.g. "server unreachable"); null when the spool is empty. */
  stoppedBecause: string | null;
  /** The server's Retry-After, in seconds, when it gave one. */
  retryAfterSeconds: number | null;
}

export interface UploaderOptions {
  serverUrl: string;
  /** Further servers (relays, e.g. a domestic mirror), tried in turn when one cannot take the upload now. */
  relays?: string[];
  token: string;
  timeoutSeconds?: number;
}

type Answer =
  | { kind: "taken"; accepted: number; rejected: { index: number; error: string }[] }
  | { kind: "refused"; message: string }
  | { kind: "split"; why: string }
  | { kind: "later"; why: string; retryAfterSeconds: number | null };

function keepWatchError(body: string): string | null {
  try {
    const parsed = JSON.parse(body) as { error?: { code?: unknown; message?: unknown } };
    const e = parsed.error;
    return e && typeof e.code === "string" && typeof e.message === "string" ? `${e.code}: ${e.message}` : null;
  } catch {
    return null;
  }
}

function uploadAnswer(body: string, sent: number): { accepted: number; rejected: { index: number; error: string }[] } | null {
  try {
    const parsed = JSON.parse(body) as { accepted?: unknown; rejected?: unknown };
    if (typeof parsed.accepted !== "number" || !Array.isArray(parsed.rejected)) return null;
    const rejected = parsed.rejected.filter(
      (r): r is { index: number; error: string } =>
        typeof r === "object" && r !== null && Number.isInteger((r as { index: unknown }).index) && typeof (r as { error: unknown }).error === "string",
    );
    // An answer that does not account for every item sent is not one we can act on item by item.
    if (rejected.length !== parsed.rejected.length || parsed.accepted + rejected.length !== sent) return null;
    if (rejected.some((r) => r.index < 0 || r.index >= sent)) return null;
    return { accepted: parsed.accepted, rejected };
  } catch {
    return null;
  }
}

function retryAfter(header: string | string[] | undefined): number | null {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, Math.round((at - Date.now()) / 1000));
}

async function post(endpoint: string, items: Measurement[], opts: UploaderOptions): Promise<Answer> {
  const timeout = (opts.timeoutSeconds ?? 30) * 1000;
  let status: number;
  let body: string;
  let headers: Record<string, string | string[] | undefined>;
  try {
    const res = await request(endpoint, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${opts.token}` },
      body: JSON.stringify({ measurements: items }),
      headersTimeout: timeout,
      bodyTimeout: timeout,
    });
    status = res.statusCode;
    headers = res.headers;
    body = await res.body.text();
  } catch (e) {
    return { kind: "later", why: `server unreachable: ${(e as Error).message}`, retryAfterSeconds: null };
  }
  const ours = keepWatchError(body);
  if (status === 200 || status === 202) {
    const answer = uploadAnswer(body, items.length);
    if (answer) return { kind: "taken", ...answer };
    return { kind: "later", why: `server answered ${status} with something that is not a KeepWatch upload answer (captive portal or proxy?)`, retryAfterSeconds: null };
  }
  if (status === 413) return { kind: "split", why: ours ?? "413 payload too large" };
  if ((status === 400 || status === 422) && ours) {
    return items.length > 1 ? { kind: "split", why: ours } : { kind: "refused", message: ours };
  }
  const what = ours ? `server refused the upload (${status} ${ours})` : `server answered ${status}`;
  return { kind: "later", why: status === 401 ? `token refused (401): ${what}` : what, retryAfterSeconds: retryAfter(headers["retry-after"]) };
}

export async function uploadSpool(spool: Spool, opts: UploaderOptions): Promise<UploadReport> {
  const endpoints = [opts.serverUrl, ...(opts.relays ?? [])].map((u) => new URL("/api/v1/measurements", u).toString());
  let at = 0;
  let uploaded = 0;
  let quarantined = 0;
  const report = (stoppedBecause: string | null, retryAfterSeconds: number | null = null): UploadReport => {
    const segmentsLeft = spool.segments().length;
    spool.recordAttempt(stoppedBecause, stoppedBecause === null);
    return { uploaded, quarantined, segmentsLeft, stoppedBecause, retryAfterSeconds };
  };
  // Splitting adds newer segments; re-list until a pass makes no progress.
  for (let progress = true; progress; ) {
    progress = false;
    for (const name of spool.segments()) {
      const segment = spool.read(name);
      const unreadable = segment.unreadable.map((line) => ({ reason: "unreadable spool line (torn write?)", item: line }));
      if (segment.measurements.length === 0) {
        spool.settle(name, [], unreadable);
        quarantined += unreadable.length;
        continue;
      }
      let answer = await post(endpoints[at]!, segment.measurements, opts);
      // Not now from this server: the next relay may take it (each item's id makes a double delivery harmless).
      while (answer.kind === "later" && at < endpoints.length - 1) {
        at++;
        answer = await post(endpoints[at]!, segment.measurements, opts);
      }
      if (answer.kind === "later") return report(answer.why, answer.retryAfterSeconds);
      progress = true;
      if (answer.kind === "taken") {
        const bad = new Map(answer.rejected.map((r) => [r.index, r.error]));
        const refused = segment.measurements.flatMap((m, i) => (bad.has(i) ? [{ reason: `server: ${bad.get(i)!}`, item: m as unknown }] : []));
        spool.settle(name, [], [...unreadable, ...refused]);
        uploaded += answer.accepted;
        quarantined += refused.length + unreadable.length;
      } else if (answer.kind === "refused") {
        spool.settle(name, [], [...unreadable, { reason: `server: ${answer.message}`, item: segment.measurements[0] }]);
        quarantined += 1 + unreadable.length;
      } else if (segment.measurements.length > 1) {
        const half = Math.ceil(segment.measurements.length / 2);
        spool.append(segment.measurements.slice(0, half));
        spool.settle(name, segment.measurements.slice(half), unreadable);
        quarantined += unreadable.length;
        break; // re-list: the halves are new segments
      } else {
        spool.settle(name, [], [...unreadable, { reason: `server: ${answer.why} (a single measurement)`, item: segment.measurements[0] }]);
        quarantined += 1 + unreadable.length;
      }
    }
  }
  return report(null);
}
