// Calls KeepWatch test helpers (src/helper/) for a site check: each configured helper in turn until one
// answers, all within the budget the check gives (OONI overlaps its calls every 15 s; a probe's own deadline
// is shorter, so here the next helper is tried as soon as one fails). Never rejects: no answer is null, and
// the check then stays `determined: false` as without a helper. A helper that failed is left alone for a
// cool-down (its Retry-After when it sent one), so that in a shutdown — when no helper can be reached — checks
// do not each wait out the helper budget. It lives in probes/ because web.ts calls it between its DNS and its
// connects; it imports nothing from src/. It never binds to a check's localAddress (--measure-via): asking a
// helper is reporting what we saw to our own side, like an upload, so it goes out the machine's normal route
// (the fixed line) and still answers while the measured network is cut.
import { request } from "undici";
import { controlAnswerSchema, type ControlHelper, type ControlRequest, type HelperAnswer } from "./control-types.js";

export interface HelperEndpoint {
  /** The helper's control URL, e.g. https://helper.example.org/api/v1/control. */
  url: string;
  /** Bearer token (a probe token the helper accepts); absent: no Authorization header. */
  token?: string;
}

/** An answer larger than this is not a helper's (a few KB of JSON): stop reading. */
const MAX_ANSWER_BYTES = 256 * 1024;
/** Seconds kept back from the budget so the helper's answer can travel back before we stop waiting. */
const RETURN_MARGIN_SECONDS = 0.5;

/** The helper's URL as recorded in Measurements: no credentials, query or fragment. */
export function helperName(url: string): string {
  const u = new URL(url);
  return `${u.origin}${u.pathname}`;
}

async function readCapped(body: AsyncIterable<Buffer>): Promise<string | null> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of body) {
    length += chunk.length;
    if (length > MAX_ANSWER_BYTES) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

export interface ControlClientOptions {
  /** Seconds a helper that failed is skipped; 30 by default. */
  coolDownSeconds?: number;
  now?: () => number;
}

interface Outcome {
  answer: HelperAnswer | null;
  /** Seconds the helper asked us to wait (429/503 Retry-After). */
  retryAfter: number | null;
}

const none = (retryAfter: number | null = null): Outcome => ({ answer: null, retryAfter });

/**
 * One helper, one try, given up when `signal` fires. undici does not end a connect in progress on abort (a
 * helper whose SYNs are dropped held a check for its 10 s connect timeout), so the wait is raced with the signal.
 */
function askOne(helper: HelperEndpoint, query: ControlRequest, signal: AbortSignal): Promise<Outcome> {
  if (signal.aborted) return Promise.resolve(none());
  let onAbort: () => void = () => {};
  const aborted = new Promise<Outcome>((resolve) => {
    onAbort = () => resolve(none());
    signal.addEventListener("abort", onAbort, { once: true });
  });
  return Promise.race([exchange(helper, query, signal), aborted]).finally(() => signal.removeEventListener("abort", onAbort));
}

/** The exchange itself: the helper's answer, or null for anything else (down, 4xx/5xx, garbage, too late). */
async function exchange(helper: HelperEndpoint, query: ControlRequest, signal: AbortSignal): Promise<Outcome> {
  try {
    const res = await request(helper.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...(helper.token ? { authorization: `Bearer ${helper.token}` } : {}),
      },
      body: JSON.stringify(query),
      signal,
    });
    const text = await readCapped(res.body as AsyncIterable<Buffer>);
    if (res.statusCode !== 200 || text === null) {
      const retry = Number(res.headers["retry-after"]);
      return none(Number.isFinite(retry) && retry > 0 ? retry : null);
    }
    const parsed = controlAnswerSchema.safeParse(JSON.parse(text));
    return parsed.success ? { answer: { helper: helperName(helper.url), answer: parsed.data }, retryAfter: null } : none();
  } catch {
    return none();
  }
}

/** A ControlHelper over `helpers`, tried in order until one answers within the budget. */
export function createControlClient(helpers: readonly HelperEndpoint[], options: ControlClientOptions = {}): ControlHelper {
  const now = options.now ?? Date.now;
  const coolDown = (options.coolDownSeconds ?? 30) * 1000;
  /** Per helper: the time before which it is not asked again. */
  const restingUntil = new Map<HelperEndpoint, number>();
  return async (query, budget) => {
    const deadline = now() + budget.seconds * 1000;
    for (const helper of helpers) {
      if ((restingUntil.get(helper) ?? 0) > now()) continue;
      const left = (deadline - now()) / 1000;
      if (left <= RETURN_MARGIN_SECONDS || budget.signal?.aborted) return null;
      // Our own timer ends just before the check's deadline, so a helper too slow for it is told apart from a
      // check cancelled by its caller (AbortSignal.timeout takes whole milliseconds).
      const ownTimeout = AbortSignal.timeout(Math.max(1, Math.floor((left - 0.05) * 1000)));
      const outcome = await askOne(helper, { ...query, timeoutSeconds: left - RETURN_MARGIN_SECONDS },
        AbortSignal.any([ownTimeout, ...(budget.signal ? [budget.signal] : [])]));
      if (outcome.answer !== null) return outcome.answer;
      // A cancelled check says nothing about the helper; anything else rests it.
      if (ownTimeout.aborted || !budget.signal?.aborted) {
        restingUntil.set(helper, now() + (outcome.retryAfter !== null ? outcome.retryAfter * 1000 : coolDown));
      }
    }
    return null;
  };
}
