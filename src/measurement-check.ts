// The collector's check of a measurement, without a copy: zod's safeParse builds a new object tree for every
// measurement (every object and array of it), which with the garbage it leaves cost the collector more than
// the checks themselves. An identity check compiled once from the zod schema answers one question: would
// zod accept this value and return a copy that is the same JSON (same keys in the same order, same values)?
// When it says yes, the value itself is zod's answer and is used as is; when it says no (anything invalid,
// an unknown key to strip, keys in another order, a type or check it does not know), zod parses the value as
// before, so rejections, their messages and the stripped output stay zod's own.
//
// Only yes must be exact, so the compiler is strict rather than complete: objects, arrays, string-keyed
// records, nullable, optional, and leaf types whose check it mirrors (string, number, boolean, enum,
// literal). A leaf's refinements (max length, uuid, url, datetime, regex, int, nonnegative, …) are zod's own
// check objects, run on the value: no check is reimplemented here. Any other schema type makes the
// compiler return null and the caller uses zod alone (a test pins that the Measurement schema compiles).
import type { z } from "zod";
import { measurementSchema, type Measurement } from "./measurement.js";

/** True only when zod would accept the value and give back a JSON-identical copy of it. */
export type IdentityCheck = (value: unknown) => boolean;

// zod 4's internals (its documented core for library authors): every schema and check has _zod.def.
interface ZodCheckInternals {
  _zod: { def: { check: string }; check(payload: { value: unknown; issues: unknown[] }): unknown };
}
interface ZodInternals {
  _zod: {
    def: {
      type: string;
      coerce?: boolean;
      checks?: ZodCheckInternals[];
      shape?: Record<string, ZodInternals>;
      catchall?: unknown;
      element?: ZodInternals;
      innerType?: ZodInternals;
      keyType?: ZodInternals;
      valueType?: ZodInternals;
    };
    values?: Set<unknown>;
    optin?: string;
    optout?: string;
  };
}

/** A plain object as JSON.parse makes it (zod's record also wants a plain object; its object any object). */
function isPlainJsonObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

// One payload for every check run (the checks are synchronous and never re-enter this module).
const scratch = { value: undefined as unknown, issues: [] as unknown[] };

/** zod's own refinement checks of a leaf, run on the value; any issue (or a value a check would rewrite) is a no. */
function checksPass(checks: ZodCheckInternals[], value: unknown): boolean {
  scratch.value = value;
  try {
    for (const check of checks) {
      const result = check._zod.check(scratch);
      if (result instanceof Promise || scratch.issues.length > 0 || scratch.value !== value) return false;
    }
    return true;
  } catch {
    return false; // zod's own parse then meets the same check and answers as zod does
  } finally {
    scratch.value = undefined;
    scratch.issues.length = 0;
  }
}

function leaf(schema: ZodInternals, typeOk: (v: unknown) => boolean): IdentityCheck | null {
  const { coerce, checks = [] } = schema._zod.def;
  if (coerce) return null;
  if (checks.length === 0) return typeOk;
  return (v) => typeOk(v) && checksPass(checks, v);
}

function compileObject(schema: ZodInternals): IdentityCheck | null {
  const { shape = {}, checks = [] } = schema._zod.def;
  if (checks.length > 0) return null;
  const keys = Object.keys(shape);
  if (Object.getOwnPropertySymbols(shape).length > 0 || keys.includes("__proto__")) return null;
  const fields: { key: string; optional: boolean; check: IdentityCheck }[] = [];
  for (const key of keys) {
    let field = shape[key]!;
    const optional = field._zod.def.type === "optional";
    if (optional) field = field._zod.def.innerType!;
    else if (field._zod.optin !== undefined) return null; // default, catch, …: zod supplies a value
    const check = compileSchema(field);
    if (!check) return null;
    fields.push({ key, optional, check });
  }
  const n = fields.length;
  // The value's own keys must be the shape's, in the shape's order (zod's output order), optional ones
  // possibly absent, nothing else (zod would strip it, or reject it in a strict object).
  return (v) => {
    if (!isPlainJsonObject(v)) return false;
    let f = 0;
    for (const key in v) {
      if (!Object.prototype.hasOwnProperty.call(v, key)) return false; // inherited enumerable: not JSON.parse's
      while (f < n && fields[f]!.key !== key) {
        if (!fields[f]!.optional) return false;
        f++;
      }
      if (f === n) return false;
      const value = v[key];
      if (value === undefined || !fields[f]!.check(value)) return false;
      f++;
    }
    for (; f < n; f++) if (!fields[f]!.optional) return false;
    return true;
  };
}

function compileRecord(schema: ZodInternals): IdentityCheck | null {
  const { keyType, valueType, checks = [] } = schema._zod.def;
  const key = keyType?._zod;
  // Only string keys with no refinement (an enum key type makes zod check for missing keys).
  if (checks.length > 0 || !key || key.def.type !== "string" || key.def.coerce || (key.def.checks ?? []).length > 0 || key.values) return null;
  const check = compileSchema(valueType!);
  if (!check) return null;
  return (v) => {
    if (!isPlainJsonObject(v)) return false;
    for (const k in v) {
      // zod drops a __proto__ key (assigning it would replace the copy's prototype): not the same JSON.
      if (k === "__proto__" || !Object.prototype.hasOwnProperty.call(v, k) || !check(v[k])) return false;
    }
    return true;
  };
}

function compileSchema(schema: ZodInternals): IdentityCheck | null {
  const def = schema._zod.def;
  switch (def.type) {
    case "object":
      return compileObject(schema);
    case "record":
      return compileRecord(schema);
    case "array": {
      if ((def.checks ?? []).length > 0) return null;
      const element = compileSchema(def.element!);
      if (!element) return null;
      return (v) => {
        if (!Array.isArray(v)) return false;
        for (let i = 0; i < v.length; i++) if (!element(v[i])) return false;
        return true;
      };
    }
    case "nullable": {
      if ((def.checks ?? []).length > 0) return null;
      const inner = compileSchema(def.innerType!);
      return inner && ((v) => v === null || inner(v));
    }
    case "string":
      return leaf(schema, (v) => typeof v === "string");
    case "number":
      return leaf(schema, (v) => typeof v === "number" && Number.isFinite(v));
    case "boolean":
      return leaf(schema, (v) => typeof v === "boolean");
    case "enum":
    case "literal": {
      const values = schema._zod.values;
      if (!values) return null;
      return leaf(schema, (v) => values.has(v));
    }
    default:
      return null; // optional outside an object, unions, transforms, pipes, defaults, …: zod alone
  }
}

/** Compiles the identity check of a zod schema, or null when it holds a type the compiler does not mirror. */
export function compileIdentityCheck(schema: z.ZodType): IdentityCheck | null {
  return compileSchema(schema as unknown as ZodInternals);
}

const isCanonicalMeasurement = compileIdentityCheck(measurementSchema);

/** Whether the Measurement schema compiled to an identity check (else every item goes through zod). */
export const MEASUREMENT_IDENTITY_CHECK = isCanonicalMeasurement !== null;

/**
 * measurementSchema.safeParse(item), with the same answer: the item itself when it is already what zod would
 * return, else zod's result (its copy with unknown keys stripped, or its error).
 */
export function parseMeasurement(item: unknown): z.ZodSafeParseResult<Measurement> {
  if (isCanonicalMeasurement?.(item)) return { success: true, data: item as Measurement };
  return measurementSchema.safeParse(item);
}

const TOP_KEYS = Object.keys(measurementSchema.shape);
const TOP_KEY_INDEX = new Map(TOP_KEYS.map((k, i) => [k, i]));

/**
 * The measurement with its top-level keys in the schema's order, for producers: the upload route and the
 * worker add receivedAt last, and only a measurement in the schema's order skips zod's copy in the
 * collector. The same object when already in order; else a shallow copy, unknown keys kept (last) for the
 * collector to strip as before. Anything not a plain object is returned as it is.
 */
export function inSchemaKeyOrder<T>(m: T): T {
  if (typeof m !== "object" || m === null || Array.isArray(m)) return m;
  const keys = Object.keys(m);
  let last = -1;
  let ordered = true;
  for (const key of keys) {
    const at = TOP_KEY_INDEX.get(key) ?? Number.POSITIVE_INFINITY;
    if (at < last) {
      ordered = false;
      break;
    }
    last = at;
  }
  if (ordered) return m;
  const from = m as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of TOP_KEYS) if (Object.prototype.hasOwnProperty.call(from, key)) out[key] = from[key];
  for (const key of keys) {
    // defineProperty: a "__proto__" key stays a key, as JSON.parse made it, and does not become the prototype.
    if (!TOP_KEY_INDEX.has(key)) Object.defineProperty(out, key, { value: from[key], enumerable: true, writable: true, configurable: true });
  }
  return out as T;
}
