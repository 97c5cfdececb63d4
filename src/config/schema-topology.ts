// Configuration sections for what is measured and from where: regions, networks, probes, targets, and the
// resolver address form they (and the helper) share. Part of the configuration schema (./schema.ts).
import { z } from "zod";
import { networkIdSchema, probeIdSchema } from "../ids.js";
import { listSchema, networkKindSchema } from "../measurement.js";

/** "ip:port" or "ip" (port 53), IPv6 as "[::1]:53". */
export const resolverAddressSchema = z
  .string()
  .regex(/^(\d{1,3}(\.\d{1,3}){3}|\[[0-9a-fA-F:.]+\])(:\d{1,5})?$|^[0-9a-fA-F:]+$/, "resolver must be IP[:PORT]");

const localizedNamesSchema = z.object({ kk: z.string().min(1), ru: z.string().min(1), en: z.string().min(1) });

export const regionConfigSchema = z.object({
  /** ISO 3166-2 code; numeric ("KZ-75") and the older letter codes ("KZ-ALA") are both accepted. */
  id: z.string().regex(/^[A-Z]{2}-[A-Z0-9]{1,3}$/, "region id must look like KZ-75 or KZ-ALA"),
  names: localizedNamesSchema,
  /** Networks measured in this region (ids from `networks`). */
  networks: z.array(z.string()).default([]),
  /** The region's own IANA zone for alerts' local times (default: server.timezone), e.g. "Asia/Aqtau". */
  timezone: z.string().refine((tz) => { try { new Intl.DateTimeFormat("en", { timeZone: tz }); return true; } catch { return false; } }, "not an IANA time zone").optional(),
});

export const networkConfigSchema = z.object({
  id: networkIdSchema,
  name: z.string().min(1),
  asn: z.number().int().positive().nullable().default(null),
  kind: networkKindSchema,
});

export const probeConfigSchema = z.object({
  id: probeIdSchema,
  /** Region id, or the id of a control vantage declared in `controls`. */
  region: z.string(),
  network: z.string(),
  role: z.enum(["region", "control"]).default("region"),
  /** local: `keepwatch serve` runs its worker in-process; remote: a worker or agent elsewhere. */
  mode: z.enum(["local", "remote"]).default("remote"),
  /** The resolver this probe's network hands out; system resolver when absent. */
  resolver: resolverAddressSchema.optional(),
  /**
   * A local probe measures only once someone said where the machine is. The shipped config sets false, so a
   * fresh `npm start` never records this machine's internet as some region's; `keepwatch setup` confirms it
   * (src/serve/site-setup.ts). Hand-written configs mean what they say: true unless given.
   */
  confirmed: z.boolean().default(true),
});

export const targetConfigSchema = z.object({
  url: z.string().url(),
  list: listSchema,
  category: z.string().min(1).max(64),
  /** Measure throughput on this target (a fixed-size object URL). */
  throughput: z.boolean().default(false),
});

export type RegionConfig = z.infer<typeof regionConfigSchema>;
export type NetworkConfig = z.infer<typeof networkConfigSchema>;
export type ProbeConfig = z.infer<typeof probeConfigSchema>;
export type TargetConfig = z.infer<typeof targetConfigSchema>;
