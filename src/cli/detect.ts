// `keepwatch detect --since --until`: retrospective detection over a stored range (detect/replay.ts). For
// journalists reconstructing a timeline, and for spools that arrived days late. Prints the incidents the
// live loop would have given; stored incidents change only with --write.
import { ConfigError, formatConfigErrors, loadConfig } from "../config/load.js";
import { replayDetection } from "../detect/replay.js";
import { configuredProbesOf } from "../detect/roster.js";
import { prepareDataDir } from "../serve/data-dir.js";
import { readPrunedBefore } from "../store/pruned-state.js";
import { openStore } from "../store/open.js";
import type { Store } from "../store/store.js";

export interface DetectCliOptions {
  since: string;
  until: string;
  config: string;
  data?: string;
  json?: boolean;
  write?: boolean;
}

function time(name: string, value: string): Date | string {
  const d = new Date(value);
  return /^\d{4}-\d{2}-\d{2}/.test(value) && !Number.isNaN(d.getTime()) ? d : `--${name} must be an ISO 8601 time, got "${value}"`;
}

/**
 * A replay reads per-target minute windows: where retention has pruned them, every probe looks silent and the
 * replay would report that silence as a shutdown. So a range starting before the pruned edge is refused, and
 * a baseline reaching back past it, or evidence past the raw horizon, is warned about.
 */
export async function replayHorizonProblems(store: Pick<Store, "getState">, since: Date, baselineHours: number):
  Promise<{ error: string | null; warnings: string[] }> {
  const pruned = await readPrunedBefore(store);
  if (pruned === null) return { error: null, warnings: [] };
  const minuteEdge = Date.parse(pruned.targetMinuteRollups);
  if (since.getTime() < minuteEdge) {
    return {
      error: `--since ${since.toISOString()} is before ${pruned.targetMinuteRollups}, where retention has already removed the per-target ` +
        "minute data a replay reads (retention.targetMinuteDays): its windows would look silent and read as shutdowns. " +
        `Replay from ${pruned.targetMinuteRollups} or later; to replay further back next time, raise retention.targetMinuteDays before the data ages out.`,
      warnings: [],
    };
  }
  const warnings: string[] = [];
  const baselineFrom = since.getTime() - baselineHours * 3_600_000;
  if (baselineFrom < minuteEdge) {
    const hours = Math.floor((since.getTime() - minuteEdge) / 3_600_000);
    warnings.push(`the baseline at --since has ${hours} h of history left of the ${baselineHours} h it usually uses (older minute data was pruned at ${pruned.targetMinuteRollups}): verdicts early in the range rest on less history than usual`);
  }
  if (since.getTime() < Date.parse(pruned.measurements)) {
    warnings.push(`raw measurements before ${pruned.measurements} were pruned (retention.rawDays): incidents there will list no measurement ids as evidence`);
  }
  return { error: null, warnings };
}

export async function runDetect(o: DetectCliOptions): Promise<number> {
  const since = time("since", o.since);
  const until = time("until", o.until);
  for (const t of [since, until]) {
    if (typeof t === "string") {
      console.error(t);
      return 2;
    }
  }
  if ((since as Date) >= (until as Date)) {
    console.error("--since must be before --until");
    return 2;
  }
  let config;
  try {
    config = loadConfig(o.config);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    console.error(formatConfigErrors(e.errors, o.config));
    return 2;
  }
  const store = openStore(config.store, prepareDataDir(o.data ?? config.dataDir));
  try {
    await store.migrate();
    const refused = await replayHorizonProblems(store, since as Date, config.detector.baselineHours);
    for (const line of refused.warnings) console.error(`warning: ${line}`);
    if (refused.error !== null) {
      console.error(refused.error);
      return 2;
    }
    const result = await replayDetection({
      store, config: config.detector, since: since as Date, until: until as Date,
      ...(config.regions.length > 0 ? {
        regions: config.regions.map((r) => r.id),
        regionNames: Object.fromEntries(config.regions.map((r) => [r.id, r.names.en])),
      } : {}),
      configuredProbes: configuredProbesOf(config),
    });
    if (o.write) for (const i of result.incidents) await store.saveIncident(i);
    if (o.json) {
      process.stdout.write(`${JSON.stringify({ since: (since as Date).toISOString(), until: (until as Date).toISOString(), incidents: result.incidents }, null, 2)}\n`);
    } else {
      for (const i of result.incidents) {
        process.stdout.write(`${i.id}  ${i.kind.padEnd(16)} ${i.confidence.padEnd(9)} ${i.region} ${i.network ?? "*"}  ${i.startedAt} → ${i.endedAt ?? "open"}\n  ${i.summary}\n`);
      }
      process.stderr.write(`${result.incidents.length} incident(s) from ${result.passes} passes${o.write ? ", written to the store" : " (nothing stored; --write to store them)"}\n`);
    }
    return 0;
  } finally {
    await store.close();
  }
}
