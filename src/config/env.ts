// `${NAME}` and `${NAME:-default}` in YAML string values, so secrets (webhook keys, bot tokens, SMTP
// passwords) live in the environment and not in the file. Substitution happens after YAML parsing, on
// string values only, so an environment value can never inject YAML structure. `$${` is a literal `${`.
import type { ConfigIssue } from "./errors.js";
import { formatPath } from "./errors.js";

export type Environment = Readonly<Record<string, string | undefined>>;

const PLACEHOLDER = /\$\$\{|\$\{([^}]*)\}|\$\{/g;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function substituteString(text: string, env: Environment, path: string, issues: ConfigIssue[]): string {
  return text.replace(PLACEHOLDER, (match: string, body: string | undefined) => {
    if (match === "$${") return "${";
    if (body === undefined) {
      issues.push({ path, message: 'unterminated "${" (write "$${" for a literal "${")' });
      return match;
    }
    const sep = body.indexOf(":-");
    const name = sep === -1 ? body : body.slice(0, sep);
    if (!NAME.test(name)) {
      issues.push({ path, message: `"\${${body}}" is not a valid environment reference (use \${NAME} or \${NAME:-default})` });
      return match;
    }
    const value = env[name];
    if (sep !== -1) return value === undefined || value === "" ? body.slice(sep + 2) : value;
    if (value === undefined) {
      issues.push({ path, message: `environment variable ${name} is not set` });
      return "";
    }
    return value;
  });
}

/** A copy of `value` with every string's references replaced; problems are appended to `issues`. */
export function substituteEnv(value: unknown, env: Environment, issues: ConfigIssue[], path: PropertyKey[] = []): unknown {
  if (typeof value === "string") return substituteString(value, env, formatPath(path), issues);
  if (Array.isArray(value)) return value.map((item, i) => substituteEnv(item, env, issues, [...path, i]));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([key, item]) => [key, substituteEnv(item, env, issues, [...path, key])]),
    );
  }
  return value;
}
