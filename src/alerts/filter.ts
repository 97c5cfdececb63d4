// Per-channel filters. A channel without `regions` or `kinds` takes everything; one with
// minConfidence "confirmed" leaves out incidents that are only suspected (a lone probe's word). A kind change matches a
// channel that follows either the old or the new kind: its readers need to hear that "their" kind ended.
import type { AlertChannelConfig } from "../config/schema.js";
import type { AlertEvent } from "./event.js";

export function channelWants(channel: AlertChannelConfig, event: AlertEvent): boolean {
  const inc = event.incident;
  if (channel.regions && !channel.regions.includes(inc.region)) return false;
  if (channel.minConfidence === "confirmed" && inc.confidence !== "confirmed") return false;
  if (channel.kinds) {
    const kinds = event.previousKind ? [inc.kind, event.previousKind] : [inc.kind];
    if (!kinds.some((k) => channel.kinds?.includes(k))) return false;
  }
  return true;
}
