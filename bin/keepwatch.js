#!/bin/sh
":" //; [ "$1" = agent ] && export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}" && exec node --max-semi-space-size=1 --optimize-for-size --expose-gc "$0" "$@"; exec node "$0" "$@"
// The `keepwatch` command: runs the compiled CLI (dist/, made by `npm run build`). tsx is only for development
// (`npm run keepwatch -- ...` runs the TypeScript sources directly).
//
// Started as a program (`keepwatch …` once installed, or ./bin/keepwatch.js) this file is first a shell script:
// line 2 is its only command and starts node on this same file, where that line is a string and a comment. For
// `keepwatch agent` it gives node the settings that keep a volunteer's agent small (README "Where the agent's
// memory goes"): a 1 MiB young generation, V8's smaller-heap heuristics, gc() for the collection after each round
// (src/agent/release-memory.ts), and two malloc arenas instead of eight per core. `node bin/keepwatch.js …` runs the same CLI without them.
import { existsSync } from "node:fs";

const cli = new URL("../dist/src/cli.js", import.meta.url);
if (!existsSync(cli)) {
  console.error("keepwatch: dist/ is missing; run `npm run build` in the KeepWatch directory first");
  process.exit(2);
}
await import(cli.href);
