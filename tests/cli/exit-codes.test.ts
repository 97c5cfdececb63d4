// `keepwatch` as a careless operator types it: a real process each time. Usage errors (an unknown option or
// command, a missing argument or option, a value an option refuses) exit 2 with one line naming the problem
// and a hint, never a stack trace; a runtime failure exits 1; --help and --version exit 0.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { SqliteStore } from "../../src/store/sqlite.js";

const run = promisify(execFile);

async function keepwatch(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ["--import", "tsx", "src/cli.ts", ...args], { timeout: 90_000 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: err.code ?? -1, stdout: err.stdout ?? "", stderr: err.stderr ?? "" };
  }
}

const dir = mkdtempSync(join(tmpdir(), "kw-exit-codes-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
// A configuration that cannot be opened: if a check below stopped refusing its value, the command would fail
// on this instead (a different message), and never start a server.
const noConfig = join(dir, "no-such.yaml");

describe("usage errors exit 2", () => {
  it("names the unknown option or command, the missing argument or option, and the refused value", async () => {
    const cases: [string[], RegExp][] = [
      [["--bogus"], /unknown option '--bogus'/],
      [["measure", "--jsn", "https://a.example/"], /unknown option '--jsn'/],
      [["frobnicate"], /unknown command 'frobnicate'/],
      [["measure", "--timeout"], /option '--timeout <seconds>' argument missing/],
      [["probes", "invite", "--region", "KZ-47", "-c", noConfig], /required option '--network <id>' not specified/],
      [["users", "role", "bob", "-c", noConfig], /missing required argument 'role'/],
      [["measure", "--timeout", "0", "https://a.example/"], /--timeout must be a positive number/],
      [["agent", "--timeout", "soon", "--once"], /--timeout must be a positive number/],
      [["serve", "--port", "80a", "-c", noConfig], /--port must be a port number/],
      [["serve", "--port", "65536", "-c", noConfig], /--port must be a port number/],
      [["helper", "--port", "-1", "-c", noConfig], /--port must be a port number|argument missing/],
      [["agent", "--asn", "AS29355", "--once"], /--asn must be a whole number/],
    ];
    const results = await Promise.all(cases.map(([args]) => keepwatch(args)));
    cases.forEach(([args, message], i) => {
      const r = results[i]!;
      const what = `keepwatch ${args.join(" ")}: ${r.stderr}`;
      expect(r.code, what).toBe(2);
      expect(r.stderr, what).toMatch(message);
      expect(r.stderr, what).toMatch(/^keepwatch: error: /);
      expect(r.stderr, what).toContain("(add --help for usage)");
      expect(r.stderr, what).not.toMatch(/\n\s+at /);
      expect(r.stdout, what).toBe("");
    });
  }, 240_000);

  it("shows the usage on stderr when no command is given", async () => {
    const r = await keepwatch([]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^Usage: keepwatch/);
  }, 120_000);
});

describe("help and version exit 0", () => {
  it("prints them on stdout", async () => {
    const [help, sub, version] = await Promise.all([keepwatch(["--help"]), keepwatch(["help", "measure"]), keepwatch(["--version"])]);
    expect(help).toMatchObject({ code: 0, stderr: "" });
    expect(help.stdout).toMatch(/^Usage: keepwatch/);
    expect(sub.code).toBe(0);
    expect(sub.stdout).toMatch(/^Usage: keepwatch measure/);
    expect(version).toMatchObject({ code: 0, stdout: "0.1.0\n" });
  }, 120_000);
});

describe("runtime failures exit 1", () => {
  it("a data directory that cannot be made, and a PostgreSQL that is not there", async () => {
    const notADir = join(dir, "a-file");
    writeFileSync(notADir, "");
    const source = join(dir, "source.sqlite");
    const store = new SqliteStore(source);
    await store.migrate();
    await store.close();
    const [mkdir, migrate] = await Promise.all([
      keepwatch(["token", "create", "--probe", "local-1", "--region", "KZ-75", "--data", join(notADir, "data")]),
      // Port 1 on loopback: nothing listens, so the connection is refused.
      keepwatch(["migrate", "--from", `sqlite:${source}`, "--to", "postgres://kw@127.0.0.1:1/kw", "-c", "config/default.yaml"]),
    ]);
    expect(mkdir.code, mkdir.stderr).toBe(1);
    expect(mkdir.stderr).toMatch(/^keepwatch: ENOTDIR/);
    expect(mkdir.stderr).not.toMatch(/\n\s+at /);
    expect(migrate.code, migrate.stderr).toBe(1);
    expect(migrate.stderr).toMatch(/PostgreSQL unavailable/);
  }, 120_000);
});
