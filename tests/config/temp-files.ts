// Temp files for config tests: each test writes its own YAML into a fresh directory, removed afterwards.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, onTestFinished } from "vitest";
import { getCurrentTest } from "vitest/suite";

/**
 * A fresh directory under the system temp dir. Made at a file's top level it goes when the file's tests are
 * done; made inside a test it goes when that test ends (an afterAll registered there would never run).
 */
export function tempDir(): { dir: string; write: (name: string, text: string | Buffer) => string } {
  const dir = mkdtempSync(join(tmpdir(), "keepwatch-config-"));
  const remove = () => rmSync(dir, { recursive: true, force: true });
  if (getCurrentTest()) onTestFinished(remove);
  else afterAll(remove);
  return {
    dir,
    write(name, text) {
      const path = join(dir, name);
      writeFileSync(path, text);
      return path;
    },
  };
}
