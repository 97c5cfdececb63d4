// After a round the agent idles for minutes. V8 keeps the old-generation pages it filled while measuring
// until its next major collection, which an idle process may not reach before the next round: measured with
// bench/agent.ts, RSS stayed 6 MiB higher for the whole minute after a round. One full collection when the
// round is done returns them. It needs --expose-gc, which the launcher (bin/keepwatch.js) passes to the agent;
// without it (node dist/src/cli.js agent) this does nothing and V8's own memory reducer decides.
export function releaseMemory(): boolean {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (typeof gc !== "function") return false;
  gc();
  return true;
}
