#!/usr/bin/env node
// `npm run build`: compiles src/ and probes/ to dist/ and copies the data files the compiled probes read
// (block-page fingerprints). config/, whitelist/ and dashboard/ stay where they are: the code finds them
// from the package root, so an operator edits one copy.
import { execFileSync } from "node:child_process";
import { cpSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
try {
  execFileSync(process.execPath, [tsc, "-p", join(root, "tsconfig.build.json")], { stdio: "inherit", cwd: root });
} catch {
  console.error("build: the TypeScript compiler reported errors (above); dist/ is not up to date");
  process.exit(1);
}
const fingerprints = join(root, "dist", "probes", "fingerprints");
rmSync(fingerprints, { recursive: true, force: true });
cpSync(join(root, "probes", "fingerprints"), fingerprints, { recursive: true });

// The commit keepwatch_build_info reports (src/build-info.ts); "unknown" outside a git checkout.
let commit = "unknown";
try {
  commit = execFileSync("git", ["rev-parse", "HEAD"], { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
} catch {
  // No git or not a checkout (an unpacked release): KEEPWATCH_COMMIT can still say it at run time.
}
writeFileSync(join(root, "dist", "build-info.json"), `${JSON.stringify({ commit })}\n`);
