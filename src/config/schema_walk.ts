/**
 * Reading a zod (v4) schema as data: unwrapping defaults/optionals, finding the schema at a
 * dotted path, and describing what a schema accepts in plain words ("a positive integer",
 * "one of adam|adagrad|sgd"). Used for error messages and the generated reference table.
 */
import { z } from 'zod';

type Schema = z.ZodType;

export interface Unwrapped {
  /** The schema without default/optional/nullable/readonly wrappers. */
  inner: Schema;
  /** The default value, when a wrapper gives one. */
  default?: unknown;
  hasDefault: boolean;
  optional: boolean;
  nullable: boolean;
  /** The first description found on the way in (outer wrappers first). */
  description?: string;
}

// biome-ignore lint/suspicious/noExplicitAny: zod's internal definitions are untyped
type ZodDef = Record<string, any>;

function defOf(s: Schema): ZodDef {
  return (s as unknown as { def: ZodDef }).def;
}

function descriptionOf(s: Schema): string | undefined {
  return (
    (s as { description?: string }).description ??
    (z.globalRegistry.get(s) as { description?: string } | undefined)?.description
  );
}

/** Peels default/prefault/optional/nullable/readonly/catch wrappers off a schema. */
export function unwrap(schema: Schema): Unwrapped {
  const out: Unwrapped = { inner: schema, hasDefault: false, optional: false, nullable: false };
  let s = schema;
  for (;;) {
    out.description ??= descriptionOf(s);
    const def = defOf(s);
    if ((def.type === 'default' || def.type === 'prefault') && !out.hasDefault) {
      out.hasDefault = true;
      out.default = def.defaultValue;
    } else if (def.type === 'optional') out.optional = true;
    else if (def.type === 'nullable') out.nullable = true;
    else if (def.type !== 'readonly' && def.type !== 'catch' && def.type !== 'default' && def.type !== 'prefault')
      break;
    s = def.innerType as Schema;
  }
  out.inner = s;
  return out;
}

/** The fields of an object schema (after unwrapping), or null if it is not an object. */
export function objectShape(schema: Schema): Record<string, Schema> | null {
  const inner = unwrap(schema).inner;
  const def = defOf(inner);
  return def.type === 'object' ? (def.shape as Record<string, Schema>) : null;
}

/** True when an object schema accepts keys it does not list (looseObject, catchall). */
export function acceptsUnknownKeys(schema: Schema): boolean {
  const def = defOf(unwrap(schema).inner);
  return def.type === 'object' && def.catchall !== undefined && defOf(def.catchall as Schema).type !== 'never';
}

/** The schema at a path of object keys and array indices, or null when the path leaves the schema. */
export function schemaAt(schema: Schema, path: readonly PropertyKey[]): Schema | null {
  let s: Schema = schema;
  for (const key of path) {
    const inner = unwrap(s).inner;
    const def = defOf(inner);
    if (def.type === 'object' && typeof key === 'string' && key in def.shape) s = def.shape[key];
    else if (def.type === 'array' && typeof key === 'number') s = def.element;
    else if (def.type === 'record') s = def.valueType;
    else return null;
  }
  return s;
}

function numberLabel(def: ZodDef): string {
  const checks: ZodDef[] = (def.checks ?? []).map((c: { _zod: { def: ZodDef } }) => c._zod.def);
  const isInt = checks.some((c) => c.check === 'number_format' && /int/.test(c.format));
  const noun = isInt ? 'integer' : 'number';
  const lower = checks.find((c) => c.check === 'greater_than');
  const upper = checks.find((c) => c.check === 'less_than');
  let label = noun;
  const bounds: string[] = [];
  if (lower && lower.value === 0) label = `${lower.inclusive ? 'non-negative' : 'positive'} ${noun}`;
  else if (lower) bounds.push(`${lower.inclusive ? '>=' : '>'} ${lower.value}`);
  if (upper) bounds.push(`${upper.inclusive ? '<=' : '<'} ${upper.value}`);
  return bounds.length ? `${label} ${bounds.join(' and ')}` : label;
}

function plural(label: string): string {
  return label.replace(/\b(integer|number|string|object|list|value)\b/, '$1s');
}

/** What a schema accepts, as a noun phrase without an article: "positive integer", "one of a|b". */
export function typeLabel(schema: Schema): string {
  const u = unwrap(schema);
  const def = defOf(u.inner);
  let label: string;
  switch (def.type) {
    case 'number':
      label = numberLabel(def);
      break;
    case 'int':
      label = 'integer';
      break;
    case 'string':
      label = 'string';
      break;
    case 'boolean':
      label = 'true or false';
      break;
    case 'enum':
      label = `one of ${Object.values(def.entries as Record<string, string>).join('|')}`;
      break;
    case 'literal':
      label = (def.values as unknown[]).map((v) => JSON.stringify(v)).join(' or ');
      break;
    case 'array':
      label = `list of ${plural(typeLabel(def.element as Schema))}`;
      break;
    case 'tuple':
      label = `list [${(def.items as Schema[]).map(typeLabel).join(', ')}]`;
      break;
    case 'object':
      label = 'mapping';
      break;
    case 'record':
      label = `mapping of ${plural(typeLabel(def.valueType as Schema))}`;
      break;
    case 'union':
      label = (def.options as Schema[]).map(typeLabel).join(' or ');
      break;
    default:
      label = String(def.type);
  }
  return u.nullable ? `${label} or null` : label;
}

/** typeLabel with an article where English wants one: "a positive integer", "one of a|b". */
export function typePhrase(schema: Schema): string {
  const label = typeLabel(schema);
  if (/^(one of|true or false|"|list \[)/.test(label)) return label;
  return `${/^[aeiou]/i.test(label) ? 'an' : 'a'} ${label}`;
}

/** A short rendering of a bad value for messages: strings quoted, long values cut. */
export function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  // NaN and +-Infinity (YAML .nan, 1e400) are shown as such, not as JSON's null.
  const marked = JSON.stringify(v, (_k, x: unknown) =>
    typeof x === 'number' && !Number.isFinite(x) ? `\u0001${x}\u0001` : x,
  );
  const s = marked?.replace(/"\\u0001(-?\w+)\\u0001"/g, '$1') ?? String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/** Every leaf key path of an object schema, dotted ("training.lr"), in declaration order. */
export function leafPaths(schema: Schema, prefix = ''): string[] {
  const shape = objectShape(schema);
  if (!shape) return prefix ? [prefix] : [];
  const out: string[] = [];
  for (const [k, s] of Object.entries(shape)) out.push(...leafPaths(s, prefix ? `${prefix}.${k}` : k));
  return out;
}
