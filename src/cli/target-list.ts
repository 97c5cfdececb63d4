// `--list FILE` for `keepwatch measure` and `keepwatch agent`. The whitelist modules (the YAML parser, the
// whitelist schemas, URL normalisation) are imported when a list is read, not with this module: an agent that
// measures its server's assignment never holds them in memory.
import { readFileSync } from "node:fs";
import type { TargetConfig } from "../config/schema.js";

export function adhocTarget(url: string): TargetConfig {
  return { url, list: "non_whitelisted", category: "adhoc", throughput: false };
}

/**
 * A whitelist/ YAML file gives listed targets; any other file is one URL per line (# comments; a BOM, CRLF
 * line ends and blank lines are fine). The same site written twice (case, default port, trailing dot) is
 * measured once.
 */
export async function readTargetList(path: string): Promise<TargetConfig[]> {
  const { mergeTargets, whitelistTargets } = await import("../config/targets.js");
  if (/\.ya?ml$/i.test(path)) {
    const [{ readYamlMappingFile }, { formatConfigErrors }, { validateWhitelist }] = await Promise.all([
      import("../config/yaml-file.js"), import("../config/errors.js"), import("../config/whitelist.js"),
    ]);
    const read = readYamlMappingFile(path);
    if (!read.ok) throw new Error(formatConfigErrors(read.errors, path));
    const wl = validateWhitelist(read.value);
    if (!wl.ok) throw new Error(formatConfigErrors(wl.errors, path));
    return whitelistTargets(wl.whitelist);
  }
  return mergeTargets(readFileSync(path, "utf8")
    .split("\n")
    .map((l) => l.replace(/#.*/, "").trim())
    .filter(Boolean)
    .map((url) => adhocTarget(url)));
}
