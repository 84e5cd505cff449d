/**
 * Loading a config: YAML file, deep-merged over defaults, command-line overrides on top, then
 * checked against a zod schema. Every problem is a ConfigError naming the dotted key, what was
 * expected and what was found; unknown keys get a "did you mean" when a close key exists.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '../util/errors.js';
import { deepMerge, dottedPath, isPlainObject, type ConfigObject } from './merge.js';
import { parseOverrides } from './overrides.js';
import {
  acceptsUnknownKeys,
  describeValue,
  leafPaths,
  objectShape,
  schemaAt,
  typePhrase,
  unwrap,
} from './schema_walk.js';
import { closest } from './suggest.js';

/** Reads a YAML config file; an empty file is {}. */
export function readConfigFile(path: string): ConfigObject {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(
      '',
      `cannot read config file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (err) {
    const pos = err instanceof YAMLParseError && err.linePos ? `:${err.linePos[0].line}:${err.linePos[0].col}` : '';
    throw new ConfigError('', `${path}${pos}: not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  if (value === null || value === undefined) return {};
  if (!isPlainObject(value))
    throw new ConfigError('', `${path}: the top level must be a mapping of sections, got ${describeValue(value)}`);
  return value;
}

function valueAt(obj: unknown, path: readonly PropertyKey[]): unknown {
  let v = obj;
  for (const k of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[k];
  }
  return v;
}

/** Throws a ConfigError for the first key in `raw` that the schema does not know. */
function checkUnknownKeys(schema: z.ZodType, raw: unknown, path: string[] = [], root: z.ZodType = schema): void {
  const inner = unwrap(schema).inner;
  const shape = objectShape(inner);
  if (!shape || !isPlainObject(raw) || acceptsUnknownKeys(inner)) return;
  for (const [key, value] of Object.entries(raw)) {
    const here = [...path, key];
    if (!(key in shape)) {
      const sibling = closest(key, Object.keys(shape));
      const elsewhere = leafPaths(root).find((p) => p.split('.').pop() === key);
      const hint = sibling
        ? `; did you mean ${[...path, sibling].join('.')}?`
        : elsewhere
          ? `; did you mean ${elsewhere}?`
          : '';
      const known = Object.keys(shape).join(', ');
      throw new ConfigError(
        here.join('.'),
        `unknown key${hint || ` (known keys${path.length ? ` in ${path.join('.')}` : ''}: ${known})`}`,
      );
    }
    checkUnknownKeys(shape[key], value, here, root);
  }
}

/** Validates `raw` against `schema`; returns the parsed config with defaults filled in. */
export function validateConfig<S extends z.ZodType>(schema: S, raw: unknown): z.output<S> {
  checkUnknownKeys(schema, raw);
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const path = dottedPath(issue.path);
    if (issue.code === 'custom') return { path, detail: issue.message };
    if (issue.code === 'unrecognized_keys') return { path, detail: `unknown keys ${issue.keys.join(', ')}` };
    const at = schemaAt(schema, issue.path);
    const value = valueAt(raw, issue.path);
    const expected = at ? typePhrase(at) : issue.message;
    return {
      path,
      detail:
        value === undefined ? `missing: expected ${expected}` : `expected ${expected}, got ${describeValue(value)}`,
    };
  });
  const [first, ...more] = problems;
  const also = more.length ? `\n${more.map((p) => `config ${p.path}: ${p.detail}`).join('\n')}` : '';
  throw new ConfigError(first.path, first.detail + also);
}

export interface LoadConfigOptions<S extends z.ZodType> {
  schema: S;
  /** YAML file to read (optional). */
  file?: string;
  /** Values under the file (e.g. a preset); the schema's own defaults apply last. */
  defaults?: ConfigObject;
  /** Command-line arguments; config overrides are taken out, the rest returned. */
  args?: readonly string[];
}

/** File over defaults, overrides over file, then validation. Returns the config and unused args. */
export function loadConfig<S extends z.ZodType>(
  options: LoadConfigOptions<S>,
): { config: z.output<S>; raw: ConfigObject; rest: string[] } {
  const sections = Object.keys(objectShape(options.schema) ?? {});
  const fromFile = options.file ? readConfigFile(options.file) : {};
  const { values, rest } = parseOverrides(options.args ?? [], sections);
  const raw = deepMerge(deepMerge(options.defaults ?? {}, fromFile), values);
  return { config: validateConfig(options.schema, raw), raw, rest };
}
