// `keepwatch agent spool` and `keepwatch agent requeue`: what the agent's spool holds, and putting quarantined
// measurements back.
import { Spool } from "../agent/spool.js";
import { spoolDirOf } from "./agent-options.js";

/** `keepwatch agent spool`: what is waiting, what the server refused, and the last upload error. */
export function runSpoolStatus(opts: { spool?: string; stateDir?: string; json?: boolean }): number {
  const o = { ...opts, spool: spoolDirOf(opts) };
  const spool = new Spool(o.spool);
  const segments = spool.segments();
  const pending = segments.reduce((n, name) => n + spool.read(name).measurements.length, 0);
  const quarantined = spool.quarantined();
  const reasons = new Map<string, number>();
  for (const q of quarantined) reasons.set(q.reason, (reasons.get(q.reason) ?? 0) + 1);
  const status = spool.status();
  const summary = { spool: o.spool, pending: { segments: segments.length, measurements: pending },
    quarantined: { items: quarantined.length, reasons: Object.fromEntries(reasons) }, ...status };
  if (o.json) {
    console.log(JSON.stringify(summary));
    return 0;
  }
  console.log(`spool:        ${o.spool}`);
  console.log(`pending:      ${pending} measurements in ${segments.length} segments`);
  console.log(`quarantined:  ${quarantined.length} items${quarantined.length ? " (keepwatch agent requeue puts them back)" : ""}`);
  for (const [reason, n] of reasons) console.log(`  ${n} × ${reason}`);
  console.log(`last attempt: ${status.lastAttemptAt ?? "never"}`);
  console.log(`last delivered everything: ${status.lastDeliveryAt ?? "never"}`);
  console.log(`last error:   ${status.lastError ?? "none"}`);
  return 0;
}

/** `keepwatch agent requeue`: puts quarantined measurements back in the upload path. */
export function runSpoolRequeue(o: { spool?: string; stateDir?: string }): number {
  const moved = new Spool(spoolDirOf(o)).requeue();
  console.log(`${moved} quarantined measurements are pending again; they go out with the next upload`);
  return 0;
}
