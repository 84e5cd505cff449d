/** Plain-object helpers for config layering: deep merge and dotted-path assignment. */
import { ConfigError } from '../util/errors.js';

export type ConfigObject = Record<string, unknown>;

export function isPlainObject(v: unknown): v is ConfigObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;
}

/** Merges `over` onto `base` without changing either: objects merge key by key, anything else replaces. */
export function deepMerge(base: ConfigObject, over: ConfigObject): ConfigObject {
  const out: ConfigObject = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = isPlainObject(b) && isPlainObject(v) ? deepMerge(b, v) : v;
  }
  return out;
}

/** Sets `obj[a][b][c] = value` for path "a.b.c", creating objects on the way (mutates obj). */
export function setDotted(obj: ConfigObject, path: string, value: unknown): void {
  const keys = path.split('.');
  if (keys.some((k) => k === '')) throw new ConfigError(path, 'empty key segment in a dotted path');
  let at = obj;
  for (let i = 0; i < keys.length - 1; i++) {
    const next = at[keys[i]];
    if (next === undefined) at[keys[i]] = {};
    else if (!isPlainObject(next)) {
      throw new ConfigError(
        keys.slice(0, i + 1).join('.'),
        `is ${JSON.stringify(next)}, not a mapping, so ${path} cannot be set`,
      );
    }
    at = at[keys[i]] as ConfigObject;
  }
  at[keys[keys.length - 1]] = value;
}

/** The dotted rendering of a zod issue path: model.hidden[0]. */
export function dottedPath(path: readonly PropertyKey[]): string {
  let s = '';
  for (const k of path) s += typeof k === 'number' ? `[${k}]` : s ? `.${String(k)}` : String(k);
  return s;
}
