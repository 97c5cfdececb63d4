// `--list FILE` for `keepwatch measure` and `keepwatch agent`. A plain list of URLs needs nothing but the file;
// the YAML parser and the whitelist schemas are imported only for a whitelist/ YAML file, so an agent given
// a text list (or none) never holds them in memory.
import { readFileSync } from "node:fs";
import type { TargetConfig } from "../config/schema.js";

export function adhocTarget(url: string): TargetConfig {
  return { url, list: "non_whitelisted", category: "adhoc", throughput: false };
}

/** A whitelist/ YAML file gives listed targets; any other file is one URL per line (# comments). */
export async function readTargetList(path: string): Promise<TargetConfig[]> {
  if (/\.ya?ml$/i.test(path)) {
    const [{ readYamlMappingFile }, { formatConfigErrors }, { validateWhitelist }, { whitelistTargets }] = await Promise.all([
      import("../config/yaml-file.js"), import("../config/errors.js"), import("../config/whitelist.js"), import("../config/targets.js"),
    ]);
    const read = readYamlMappingFile(path);
    if (!read.ok) throw new Error(formatConfigErrors(read.errors, path));
    const wl = validateWhitelist(read.value);
    if (!wl.ok) throw new Error(formatConfigErrors(wl.errors, path));
    return whitelistTargets(wl.whitelist);
  }
  return readFileSync(path, "utf8")
    .split("\n")
    .map((l) => l.replace(/#.*/, "").trim())
    .filter(Boolean)
    .map((url) => adhocTarget(url));
}
