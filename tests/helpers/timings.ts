// Walks a result as it will be stored (its JSON) and names every number printed with more than six decimals
// (or in 1e-7 notation): a timing the probes forgot to round to the microsecond (probes/duration.ts).

/** A number as JSON prints it: digits with at most 6 decimals, or a huge value in exponent form (1e+21). */
const MICROSECOND_NUMBER = /^-?\d+(\.\d{1,6})?$|^-?\d(\.\d+)?e\+\d+$/;

/** "path = printed" for every number in `value`'s JSON finer than a microsecond; [] when there is none. */
export function finerThanMicroseconds(value: unknown): string[] {
  const found: string[] = [];
  const walk = (v: unknown, path: string) => {
    if (typeof v === "number") {
      const printed = JSON.stringify(v);
      if (!MICROSECOND_NUMBER.test(printed)) found.push(`${path} = ${printed}`);
    } else if (Array.isArray(v)) {
      v.forEach((x, i) => walk(x, `${path}[${i}]`));
    } else if (v !== null && typeof v === "object") {
      for (const [k, x] of Object.entries(v)) walk(x, `${path}.${k}`);
    }
  };
  walk(JSON.parse(JSON.stringify(value)), "$");
  return found;
}

/** How many numbers `value`'s JSON holds that are not whole: proof a walk had timings to look at. */
export function fractionalNumbers(value: unknown): number {
  let n = 0;
  const walk = (v: unknown) => {
    if (typeof v === "number") n += Number.isInteger(v) ? 0 : 1;
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v !== null && typeof v === "object") Object.values(v).forEach(walk);
  };
  walk(JSON.parse(JSON.stringify(value)));
  return n;
}

/**
 * How far a sum of rounded timings may exceed the rounded whole they are slices of: half a microsecond for
 * each rounded term, the whole included (phases that add up to at most the total before rounding).
 */
export const roundingSlack = (roundedTerms: number): number => roundedTerms * 0.5e-6 + 1e-12;
