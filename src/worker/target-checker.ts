// Builds the TargetChecker that the worker, the agent and `keepwatch measure` share: a site check with the
// probe's resolvers, CA, bogon exceptions and block-page fingerprints, plus a throughput download when the
// target asks for one (on an address the site check connected to, so DNS is not measured twice).
// With `threads` above 1 the checks run in a pool of worker threads (check-pool.ts), one per core at most;
// "auto" leaves a core free (resolveThreadCount).
import { readFileSync } from "node:fs";
import { loadFingerprints } from "../../probes/blockpage.js";
import { createBogonMatcher } from "../../probes/bogons.js";
import { probeThroughput } from "../../probes/throughput.js";
import { createControlClient } from "../../probes/control-client.js";
import { checkSite } from "../../probes/web.js";
import type { WebCheck } from "../../probes/types.js";
import type { TargetConfig } from "../config/schema.js";
import type { TargetChecker } from "./run-checks.js";
import { CheckPool, resolveThreadCount } from "./check-pool.js";
import type { CheckerSettings } from "./checker-types.js";

export type { CheckerSettings } from "./checker-types.js";

/** A TargetChecker that may own threads: close() ends them (a no-op for the in-process checker). */
export type ClosableTargetChecker = TargetChecker & { close(): Promise<void> };

/** The address the site check fetched the page from: one that connected (and shook hands, over https). */
function connectedAddress(check: WebCheck): string | null {
  return check.http?.hops[0]?.address ?? null;
}

export async function createTargetChecker(s: CheckerSettings): Promise<ClosableTargetChecker> {
  const threads = resolveThreadCount(s.threads);
  if (threads <= 1) return Object.assign(await createInProcessChecker(s), { close: async () => undefined });
  const pool = await CheckPool.start({ ...s, threads: 1 }, threads);
  return Object.assign((target: Parameters<TargetChecker>[0]) => pool.check(target), { close: () => pool.close() });
}

/** The checker that runs in the calling thread: what each pool thread runs too. */
export async function createInProcessChecker(s: CheckerSettings): Promise<TargetChecker> {
  const ca = (s.caFiles ?? []).map((f) => readFileSync(f, "utf8"));
  const bogons = createBogonMatcher({ notBogon: s.notBogon ?? [] });
  const fingerprints = await loadFingerprints(s.blockPageFiles ?? []);
  const helper = s.helpers && s.helpers.length > 0 ? createControlClient(s.helpers) : undefined;
  return async (target: TargetConfig) => {
    const check = await checkSite(target.url, {
      timeoutSeconds: s.timeoutSeconds,
      resolver: s.resolver,
      controlResolver: s.controlResolver,
      ca: ca.length > 0 ? ca : undefined,
      bogons,
      fingerprints,
      helper,
      localAddress: s.localAddress,
    });
    const address = connectedAddress(check);
    const wantThroughput = s.throughputAll || target.throughput;
    const throughput = wantThroughput && address !== null
      ? await probeThroughput({ url: target.url, address }, {
        timeoutSeconds: s.timeoutSeconds,
        maxBytes: s.throughputMaxBytes,
        ca: ca.length > 0 ? ca : undefined,
        localAddress: s.localAddress,
      })
      : null;
    return { check, throughput };
  };
}
