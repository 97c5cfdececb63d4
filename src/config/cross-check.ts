// Checks that need more than one value: references between sections, uniqueness, and strings with a
// grammar zod does not know (cron, CIDR, time zone). They run on whatever items parsed, so a typo in one
// probe does not hide an unknown region in another.
import { validate as validateCron } from "node-cron";
import type { AlertChannelConfig, NetworkConfig, ProbeConfig, RegionConfig, TargetConfig } from "./schema.js";
import { cidrProblem } from "./cidr.js";
import type { ConfigIssue } from "./errors.js";
import { normalizeUrl } from "./whitelist.js";

/** An item that parsed, with its index in the original list (for the error path). */
export interface Indexed<T> {
  index: number;
  value: T;
}

/** What parsed of the document; a section that failed entirely is absent. */
export interface ConfigView {
  regions?: Indexed<RegionConfig>[];
  controls?: Indexed<{ id: string; name: string }>[];
  networks?: Indexed<NetworkConfig>[];
  probes?: Indexed<ProbeConfig>[];
  channels?: Indexed<AlertChannelConfig>[];
  extraTargets?: Indexed<TargetConfig>[];
  bogonExceptions?: Indexed<string>[];
  cron?: string;
  timezone?: string;
  /** Numbers as written (each present only when it is a number). */
  retention?: { rollupDays?: number; targetMinuteDays?: number };
  baselineHours?: number;
  /** Region ids as written, before letter codes were normalised, by index. */
  regionIdsAsWritten?: Map<number, string>;
}

function duplicates<T>(
  items: Indexed<T>[] | undefined,
  key: (v: T) => string,
  path: (i: number) => string,
  what: string,
  issues: ConfigIssue[],
  show: (k: string, index: number) => string = (k) => `"${k}"`,
) {
  const first = new Map<string, number>();
  for (const { index, value } of items ?? []) {
    const k = key(value);
    const at = first.get(k);
    if (at === undefined) first.set(k, index);
    else issues.push({ path: path(index), message: `duplicate ${what} ${show(k, index)} (first at ${path(at)})` });
  }
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export function crossCheck(view: ConfigView): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  // Letter codes were normalised before parsing; name both so the operator finds the line.
  const asWritten = (i: number, id: string) => {
    const written = view.regionIdsAsWritten?.get(i);
    return written !== undefined && written !== id ? `"${id}" (written as "${written}")` : `"${id}"`;
  };

  duplicates(view.regions, (r) => r.id, (i) => `regions[${i}].id`, "region", issues, (k, i) => asWritten(i, k));
  duplicates(view.networks, (n) => n.id, (i) => `networks[${i}].id`, "network", issues);
  duplicates(view.probes, (p) => p.id, (i) => `probes[${i}].id`, "probe", issues);
  duplicates(view.controls, (c) => c.id, (i) => `controls[${i}].id`, "control vantage", issues);
  duplicates(view.channels, (c) => c.name, (i) => `alerts.channels[${i}].name`, "alert channel name", issues);
  duplicates(view.extraTargets, (t) => normalizeUrl(t.url), (i) => `targets.extra[${i}].url`, "target URL", issues);

  const regionIds = new Map((view.regions ?? []).map(({ value }) => [value.id, value]));
  const controlIds = new Set((view.controls ?? []).map(({ value }) => value.id));
  const networkIds = new Set((view.networks ?? []).map(({ value }) => value.id));

  for (const { index, value } of view.controls ?? []) {
    if (regionIds.has(value.id)) {
      issues.push({ path: `controls[${index}].id`, message: `control vantage id "${value.id}" is also a region id` });
    }
  }

  if (view.networks !== undefined) {
    for (const { index, value } of view.regions ?? []) {
      value.networks.forEach((network, j) => {
        if (!networkIds.has(network)) {
          issues.push({ path: `regions[${index}].networks[${j}]`, message: `unknown network "${network}" (region ${asWritten(index, value.id)})` });
        }
      });
    }
  }

  for (const { index, value: probe } of view.probes ?? []) {
    const region = regionIds.get(probe.region);
    const isControl = controlIds.has(probe.region);
    if (view.regions !== undefined && view.controls !== undefined && region === undefined && !isControl) {
      issues.push({ path: `probes[${index}].region`, message: `unknown region "${probe.region}" (not in regions or controls)` });
    }
    if (isControl && probe.role !== "control") {
      issues.push({ path: `probes[${index}].role`, message: `probe on control vantage "${probe.region}" must have role: control` });
    }
    if (region !== undefined && probe.role === "control") {
      issues.push({ path: `probes[${index}].role`, message: `role control needs a control vantage id from controls; "${probe.region}" is a region` });
    }
    if (view.networks !== undefined && !networkIds.has(probe.network)) {
      issues.push({ path: `probes[${index}].network`, message: `unknown network "${probe.network}"` });
    } else if (region !== undefined && region.networks.length > 0 && !region.networks.includes(probe.network)) {
      issues.push({ path: `probes[${index}].network`, message: `network "${probe.network}" is not one of region ${probe.region}'s networks (${region.networks.join(", ")})` });
    }
  }

  if (view.regions !== undefined) {
    for (const { index, value: channel } of view.channels ?? []) {
      channel.regions?.forEach((id, j) => {
        if (!regionIds.has(id)) issues.push({ path: `alerts.channels[${index}].regions[${j}]`, message: `unknown region "${id}"` });
      });
    }
  }

  for (const { index, value } of view.bogonExceptions ?? []) {
    const problem = cidrProblem(value);
    if (problem !== null) issues.push({ path: `bogonExceptions[${index}]`, message: problem });
  }
  if (view.cron !== undefined && !validateCron(view.cron)) {
    issues.push({ path: "schedule.cron", message: `invalid cron expression "${view.cron}"` });
  }
  if (view.timezone !== undefined && !isTimeZone(view.timezone)) {
    issues.push({ path: "server.timezone", message: `unknown time zone "${view.timezone}" (use an IANA name such as Asia/Almaty)` });
  }
  issues.push(...retentionIssues(view));
  return issues;
}

/**
 * retention.targetMinuteDays against the settings it serves: the detector's baseline reads per-target minute
 * rollups (so they must reach back baselineHours), and the hour rollups built beside them outlive them.
 */
function retentionIssues(view: ConfigView): ConfigIssue[] {
  const rollupDays = view.retention?.rollupDays ?? 730;
  const days = view.retention?.targetMinuteDays ?? Math.min(30, rollupDays);
  const baselineHours = view.baselineHours ?? 168;
  // The detector also re-evaluates up to 48 h back (Detector maxHorizonHours), from the same rows.
  const least = Math.max(2, Math.ceil(baselineHours / 24));
  if (days < least) {
    return [{ path: "retention.targetMinuteDays", message: `retention.targetMinuteDays (${days}) must be at least detector.baselineHours / 24 rounded up, and 2 (${baselineHours} h → ${least} days): the detector's baseline and its 48-hour re-evaluation read per-target minute rollups` }];
  }
  if (days > rollupDays) {
    return [{ path: "retention.targetMinuteDays", message: `retention.targetMinuteDays (${days}) must be at most retention.rollupDays (${rollupDays})` }];
  }
  return [];
}
