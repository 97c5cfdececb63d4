// `keepwatch agent`'s options, where the agent keeps its state, and which probe it is (flags or enrollment).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { LocalCheckOptions } from "../agent/local-check.js";
import { defaultStateDir, loadEnrollment, serverUrlProblem } from "../agent/state-dir.js";

export interface AgentCliOptions {
  /** Server and relays, tried in turn. */
  server?: string[];
  probe?: string;
  region?: string;
  network?: string;
  networkKind: string;
  asn?: string;
  tokenFile?: string;
  spool?: string;
  stateDir?: string;
  insecureLabHttp?: boolean;
  /** Enroll with this code first when not yet enrolled (one command for a container or a unit). */
  enroll?: string;
  cron?: string;
  list?: string;
  country: string;
  resolver?: string;
  controlResolver?: string;
  ca?: string;
  notBogon: string[];
  timeout?: string;
  once?: boolean;
  helper: string[];
  /** Interface name or local address every measurement socket is bound to (uploads go the normal way). */
  measureVia?: string;
  /**
   * Where the local connectivity check looks (routing table, resolver configuration, gateway port); by
   * default the machine's own. Tests point it at a lab so that no check leaves loopback.
   */
  localCheck?: LocalCheckOptions;
}

/** Where the agent keeps its enrollment and spool: --state-dir, else the default (never the working directory). */
export function stateDirOf(o: { stateDir?: string }): string {
  return o.stateDir ?? defaultStateDir();
}

export function spoolDirOf(o: { spool?: string; stateDir?: string }): string {
  return o.spool ?? join(stateDirOf(o), "spool");
}

export interface Identity { servers: string[]; probe: string; region: string; network: string; token: string; allowHttp: boolean }

/** The probe from flags when any identity flag is given, else from the enrollment in the state directory. */
export function identityOf(o: AgentCliOptions): Identity | string {
  const given = (k: "server" | "probe" | "region" | "network") => (k === "server" ? (o.server?.length ?? 0) > 0 : Boolean(o[k]));
  const flags = (["server", "probe", "region", "network"] as const).filter(given);
  if (flags.length === 0) {
    const e = loadEnrollment(stateDirOf(o));
    if (!e) return `not enrolled (no enrollment in ${stateDirOf(o)}): run keepwatch agent enroll CODE --server https://… first`;
    return { servers: e.servers, probe: e.probeId, region: e.region, network: e.network.id, token: e.token,
      allowHttp: e.insecureLabHttp || o.insecureLabHttp === true };
  }
  const missing = (["server", "probe", "region", "network"] as const).filter((k) => !given(k));
  if (missing.length > 0) return `missing ${missing.map((k) => `--${k}`).join(", ")} (see keepwatch agent --help)`;
  for (const s of o.server!) {
    const badUrl = serverUrlProblem(s, o.insecureLabHttp === true);
    if (badUrl) return badUrl;
  }
  const token = (o.tokenFile ? readFileSync(o.tokenFile, "utf8") : process.env.KEEPWATCH_PROBE_TOKEN ?? "").trim();
  if (!token) return "no probe token: use --token-file FILE or set KEEPWATCH_PROBE_TOKEN";
  return { servers: o.server!, probe: o.probe!, region: o.region!, network: o.network!, token, allowHttp: o.insecureLabHttp === true };
}
