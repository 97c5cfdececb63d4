// A deployment-shaped config for the browser tests: Kazakhstan's 20 regions (the project's region table)
// with names in kk/ru/en, two mobile networks each, and one control vantage outside the measured networks.
import { KZ_REGIONS } from "../../src/config/regions.js";
import { configSchema, type KeepWatchConfig } from "../../src/config/schema.js";

/** Region ids in the project's KZ table (src/config/regions.ts). */
export const REGION_IDS = KZ_REGIONS.map((r) => r.id);

export const NETWORKS = [
  { id: "kcell-mobile", name: "Kcell", kind: "mobile" as const },
  { id: "beeline-mobile", name: "Beeline", kind: "mobile" as const },
];

export const CONTROL = { id: "CONTROL", network: "control-dc" };

export function probeId(region: string, network: string): string {
  return `${region.toLowerCase()}-${network}`;
}

export function kzConfig(overrides: Record<string, unknown> = {}): KeepWatchConfig {
  return configSchema.parse({
    country: "KZ",
    server: { timezone: "Asia/Almaty" },
    regions: KZ_REGIONS.map((r) => ({ id: r.id, names: r.names, networks: NETWORKS.map((n) => n.id) })),
    controls: [{ id: CONTROL.id, name: "Control vantage" }],
    networks: [...NETWORKS.map((n) => ({ ...n, asn: null })), { id: CONTROL.network, name: "Control DC", kind: "fixed", asn: null }],
    probes: [
      ...REGION_IDS.flatMap((id) => NETWORKS.map((n) => ({ id: probeId(id, n.id), region: id, network: n.id }))),
      { id: "control-1", region: CONTROL.id, network: CONTROL.network, role: "control" },
    ],
    targets: { fromWhitelist: false },
    ...overrides,
  });
}
