import { describe, expect, it } from "vitest";
import { substituteEnv } from "../../src/config/env.js";
import type { ConfigIssue } from "../../src/config/errors.js";

function run(value: unknown, env: Record<string, string | undefined>) {
  const issues: ConfigIssue[] = [];
  return { value: substituteEnv(value, env, issues), issues };
}

describe("substituteEnv", () => {
  it("replaces references inside strings, nested in maps and lists", () => {
    const { value, issues } = run({ a: "x-${A}-y", list: ["${B}", 3, true, null], deep: { c: "${C:-fallback}" } }, { A: "1", B: "two" });
    expect(issues).toEqual([]);
    expect(value).toEqual({ a: "x-1-y", list: ["two", 3, true, null], deep: { c: "fallback" } });
  });

  it("uses the default for an empty variable, like the shell's :-", () => {
    expect(run("${E:-d}", { E: "" }).value).toBe("d");
    expect(run("${E}", { E: "" }).value).toBe("");
    expect(run("${E:-}", {}).value).toBe("");
  });

  it("keeps $${ as a literal ${ and leaves lone dollars alone", () => {
    expect(run("cost $5, literal $${HOME}", { HOME: "/root" }).value).toBe("cost $5, literal ${HOME}");
  });

  it("reports unset variables, malformed names and unterminated references with their path", () => {
    const { issues } = run({ s: ["${MISSING}", "${bad-name}", "${OPEN"] }, {});
    expect(issues).toEqual([
      { path: "s[0]", message: "environment variable MISSING is not set" },
      { path: "s[1]", message: '"${bad-name}" is not a valid environment reference (use ${NAME} or ${NAME:-default})' },
      { path: "s[2]", message: 'unterminated "${" (write "$${" for a literal "${")' },
    ]);
  });

  it("never re-expands a value taken from the environment", () => {
    expect(run("${A}", { A: "${B}", B: "secret" }).value).toBe("${B}");
  });
});
