// Config problems are collected, never thrown one at a time: an operator fixing a file wants every error
// in one run, each with the path of the offending value ("probes[2].region").

export interface ConfigIssue {
  /** Dotted path into the document, "" for the document itself. */
  path: string;
  message: string;
}

export class ConfigError extends Error {
  readonly errors: ConfigIssue[];
  readonly file: string | undefined;

  constructor(errors: ConfigIssue[], file?: string) {
    super(formatConfigErrors(errors, file));
    this.name = "ConfigError";
    this.errors = errors;
    this.file = file;
  }
}

/** ["probes", 2, "region"] → "probes[2].region". */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else if (typeof key === "symbol") out += `[${String(key)}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(key)) out += out === "" ? key : `.${key}`;
    else out += `[${JSON.stringify(key)}]`;
  }
  return out;
}

/** Prefix every issue's path, e.g. with "whitelist/kz.yaml" for a nested file's problems. */
export function prefixIssues(prefix: string, issues: ConfigIssue[]): ConfigIssue[] {
  return issues.map((issue) => ({ path: issue.path === "" ? prefix : `${prefix}: ${issue.path}`, message: issue.message }));
}

/** One line per problem, "FILE: path: message", for `keepwatch config check` and thrown errors. */
export function formatConfigErrors(errors: readonly ConfigIssue[], file?: string): string {
  const lead = file === undefined ? "" : `${file}: `;
  if (errors.length === 0) return `${lead}configuration is valid`;
  const header = `${lead}${errors.length} configuration error${errors.length === 1 ? "" : "s"}`;
  const lines = errors.map((e) => `  ${e.path === "" ? "" : `${e.path}: `}${e.message}`);
  return [header, ...lines].join("\n");
}

/** Zod's issues as ConfigIssues, paths rendered like the rest ("probes[2].region"). */
export function issuesFromZod(issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>): ConfigIssue[] {
  return issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message }));
}
