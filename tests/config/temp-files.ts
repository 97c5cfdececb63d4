// Temp files for config tests: each test writes its own YAML into a fresh directory.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";

export function tempDir(): { dir: string; write: (name: string, text: string | Buffer) => string } {
  const dir = mkdtempSync(join(tmpdir(), "keepwatch-config-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return {
    dir,
    write(name, text) {
      const path = join(dir, name);
      writeFileSync(path, text);
      return path;
    },
  };
}
