// Metric names a PromQL expression reads, for checking shipped queries against a real /metrics scrape.
// Not a parser: strings, label matchers, ranges, grouping clauses and Grafana variables are removed, and
// what is left that is an identifier, not a function call and not a keyword, is a metric name.

const KEYWORDS = new Set(["and", "or", "unless", "bool", "offset", "by", "without", "on", "ignoring", "group_left", "group_right", "inf", "nan"]);

export function promqlMetricNames(expr: string): string[] {
  const names = new Set<string>();
  // Grafana's label_values(metric, label) names one metric; its second argument is a label.
  let e = expr.replace(/label_values\(\s*([a-zA-Z_:][\w:]*)[^,]*,\s*\w+\s*\)/g, (_, metric: string) => {
    names.add(metric);
    return "";
  });
  e = e
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, "") // strings ({{…}} legend text never gets here)
    .replace(/\{[^}]*\}/g, "") // label matchers
    .replace(/\[[^\]]*\]/g, "") // ranges and subqueries
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, "") // grouping labels
    .replace(/\$\{?\w+\}?/g, ""); // $region, ${__rate_interval}
  for (const m of e.matchAll(/(?<![\w.])([a-zA-Z_:][\w:]*)(\s*\()?/g)) {
    const [, name, call] = m;
    if (name && !call && !KEYWORDS.has(name.toLowerCase())) names.add(name);
  }
  return [...names];
}

/** Names of the samples in a Prometheus text exposition (a metric without a series yet does not count). */
export function exposedMetricNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const line of text.split("\n")) {
    const sample = /^([a-zA-Z_:][\w:]*)[{ ]/.exec(line);
    if (sample?.[1]) names.add(sample[1]);
  }
  return names;
}
