// What this KeepWatch is: package version, the git commit it was built from, and the Node.js running it.
// The commit comes from KEEPWATCH_COMMIT (container builds set it), else dist/build-info.json written by
// `npm run build`, else "unknown": nothing here runs git at start-up.
import { existsSync, readFileSync } from "node:fs";
import { packagePath } from "./package-root.js";

export interface BuildInfo {
  version: string;
  commit: string;
  node: string;
}

const COMMIT = /^[0-9a-f]{7,40}$/;

function readCommit(): string {
  const fromEnv = process.env.KEEPWATCH_COMMIT?.trim().toLowerCase();
  if (fromEnv && COMMIT.test(fromEnv)) return fromEnv;
  const file = packagePath("dist", "build-info.json");
  if (existsSync(file)) {
    try {
      const commit = (JSON.parse(readFileSync(file, "utf8")) as { commit?: unknown }).commit;
      if (typeof commit === "string" && COMMIT.test(commit)) return commit;
    } catch {
      // A damaged file is no reason to fail a start; the label says "unknown".
    }
  }
  return "unknown";
}

export function buildInfo(): BuildInfo {
  const manifest = JSON.parse(readFileSync(packagePath("package.json"), "utf8")) as { version?: string };
  return { version: manifest.version ?? "unknown", commit: readCommit(), node: process.version };
}
