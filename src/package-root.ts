// Where KeepWatch's shipped data lives (config/, whitelist/, dashboard/). The same modules run from src/
// under tsx and from dist/src/ once compiled, so paths are found from the package root, not from this file.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

function findPackageRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    const manifest = join(dir, "package.json");
    if (existsSync(manifest)) {
      const name = (JSON.parse(readFileSync(manifest, "utf8")) as { name?: string }).name;
      if (name === "keepwatch") return dir;
    }
    if (dirname(dir) === dir) throw new Error(`cannot find KeepWatch's package.json above ${start}`);
  }
}

export const PACKAGE_ROOT = findPackageRoot(dirname(fileURLToPath(import.meta.url)));

/** A path inside the KeepWatch package (e.g. packagePath("whitelist")). */
export function packagePath(...parts: string[]): string {
  return join(PACKAGE_ROOT, ...parts);
}
