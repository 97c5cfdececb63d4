#!/usr/bin/env node
// The `keepwatch` command: runs the compiled CLI (dist/, made by `npm run build`). tsx is only for development
// (`npm run keepwatch -- ...` runs the TypeScript sources directly).
import { existsSync } from "node:fs";

const cli = new URL("../dist/src/cli.js", import.meta.url);
if (!existsSync(cli)) {
  console.error("keepwatch: dist/ is missing; run `npm run build` in the KeepWatch directory first");
  process.exit(2);
}
await import(cli.href);
