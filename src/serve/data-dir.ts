// Where a server keeps its state: the SQLite database and the embedded Redis' files, under one directory.
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";

export function prepareDataDir(dir: string): string {
  const abs = resolve(dir);
  mkdirSync(abs, { recursive: true, mode: 0o700 });
  return abs;
}

export function databasePath(dataDir: string): string {
  return join(dataDir, "keepwatch.sqlite");
}
