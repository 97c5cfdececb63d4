// Uploads spooled segments to the server's batch endpoint with the probe's bearer token. Network or
// server trouble leaves the segment in the spool for the next try; a definite refusal of the whole
// batch (400/401/403/413) quarantines it so one bad segment cannot block the rest forever.
import { request } from "undici";
import type { Spool } from "./spool.js";

export interface UploadReport {
  uploaded: number;
  rejected: number;
  segmentsLeft: number;
  /** Why uploading stopped early, if it did (e.g. "server unreachable"). */
  stoppedBecause: string | null;
}

export interface UploaderOptions {
  serverUrl: string;
  token: string;
  timeoutSeconds?: number;
}

interface UploadResponse {
  accepted: number;
  rejected?: { index: number; error: string }[];
}

export async function uploadSpool(spool: Spool, opts: UploaderOptions): Promise<UploadReport> {
  const endpoint = new URL("/api/v1/measurements", opts.serverUrl).toString();
  const timeout = (opts.timeoutSeconds ?? 30) * 1000;
  let uploaded = 0;
  let rejected = 0;
  for (const name of spool.segments()) {
    const segment = spool.read(name);
    if (segment.measurements.length === 0) {
      spool.quarantine(name);
      continue;
    }
    let status: number;
    let body: string;
    try {
      const res = await request(endpoint, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${opts.token}` },
        body: JSON.stringify({ measurements: segment.measurements }),
        headersTimeout: timeout,
        bodyTimeout: timeout,
      });
      status = res.statusCode;
      body = await res.body.text();
    } catch (e) {
      return { uploaded, rejected, segmentsLeft: spool.segments().length, stoppedBecause: `server unreachable: ${(e as Error).message}` };
    }
    if (status === 202 || status === 200) {
      const parsed = JSON.parse(body) as UploadResponse;
      uploaded += parsed.accepted;
      rejected += parsed.rejected?.length ?? 0;
      spool.done(name);
    } else if ([400, 401, 403, 413, 422].includes(status)) {
      rejected += segment.measurements.length;
      spool.quarantine(name);
      if (status === 401 || status === 403) {
        return { uploaded, rejected, segmentsLeft: spool.segments().length, stoppedBecause: `token refused (${status})` };
      }
    } else {
      return { uploaded, rejected, segmentsLeft: spool.segments().length, stoppedBecause: `server answered ${status}` };
    }
  }
  return { uploaded, rejected, segmentsLeft: 0, stoppedBecause: null };
}
