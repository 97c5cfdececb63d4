// Reads one YAML document defensively: config files and whitelist files may come from anywhere (a pasted
// example, a shared gist), so size, file type and alias expansion are bounded, and every failure is an
// issue list, never an exception.
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { parseDocument } from "yaml";
import type { ConfigIssue } from "./errors.js";

export const MAX_CONFIG_BYTES = 1024 * 1024;
/** Anchors are handy for repeated blocks; billion-laughs documents need far more than this. */
export const MAX_ALIAS_COUNT = 50;

export type YamlReadResult = { ok: true; value: Record<string, unknown> } | { ok: false; errors: ConfigIssue[] };

/** Read at most `maxBytes` (a regular file only: /dev/zero or a FIFO must not hang the check). */
export function readBoundedText(path: string, maxBytes = MAX_CONFIG_BYTES): { text: string } | { error: string } {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (err) {
    return { error: `cannot open file: ${(err as NodeJS.ErrnoException).code ?? String(err)}` };
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) return { error: "not a regular file" };
    if (stat.size > maxBytes) return { error: `file is ${stat.size} bytes; the limit is ${maxBytes}` };
    // The size may change under us; read one byte past the cap to notice.
    const buffer = Buffer.alloc(maxBytes + 1);
    let length = 0;
    for (;;) {
      const n = readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) break;
      length += n;
      if (length > maxBytes) return { error: `file is larger than the limit of ${maxBytes} bytes` };
    }
    return { text: buffer.subarray(0, length).toString("utf8") };
  } catch (err) {
    return { error: `cannot read file: ${(err as NodeJS.ErrnoException).code ?? String(err)}` };
  } finally {
    closeSync(fd);
  }
}

function describeKind(value: unknown): string {
  if (value === null || value === undefined) return "an empty document";
  if (Array.isArray(value)) return "a list";
  return `a ${typeof value}`;
}

/** Parse YAML text that must hold one mapping. */
export function parseYamlMapping(text: string): YamlReadResult {
  if (text.length > MAX_CONFIG_BYTES) {
    return { ok: false, errors: [{ path: "", message: `document is larger than the limit of ${MAX_CONFIG_BYTES} bytes` }] };
  }
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      // A hostile document can produce thousands of errors; the first few locate the problem.
      errors: doc.errors.slice(0, 20).map((e) => {
        const at = e.linePos?.[0];
        // prettyErrors appends " at line N, column M:" and a source excerpt; keep the first sentence.
        const text = (e.message.split("\n")[0] ?? e.code).replace(/ at line \d+, column \d+:?$/, "");
        return { path: "", message: `YAML ${at ? `line ${at.line} column ${at.col}` : "error"}: ${text}` };
      }),
    };
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    // yaml throws ReferenceError for excessive alias expansion and for undefined aliases.
    return { ok: false, errors: [{ path: "", message: `YAML: ${err instanceof Error ? err.message : String(err)}` }] };
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return { ok: false, errors: [{ path: "", message: `expected a mapping of settings at the top level, found ${describeKind(value)}` }] };
  }
  return { ok: true, value: value as Record<string, unknown> };
}

export function readYamlMappingFile(path: string, maxBytes = MAX_CONFIG_BYTES): YamlReadResult {
  const read = readBoundedText(path, maxBytes);
  if ("error" in read) return { ok: false, errors: [{ path: "", message: read.error }] };
  return parseYamlMapping(read.text);
}
