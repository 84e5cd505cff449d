/**
 * Command-line config overrides: `--training.lr=1e-3`, `--model.hidden=[400,400]`,
 * `--key value`, and a bare `--flag` meaning true. Values are read as YAML scalars/flow values,
 * so numbers, booleans, lists and strings all work without quoting; a value that is not valid YAML
 * is kept as a plain string.
 */
import { parse as parseYaml } from 'yaml';
import { ConfigError } from '../util/errors.js';
import { setDotted, type ConfigObject } from './merge.js';

export interface ParsedOverrides {
  /** The overrides as a nested object, ready to merge over the file. */
  values: ConfigObject;
  /** The dotted keys set, in order. */
  keys: string[];
  /** Arguments that were not config overrides, in order. */
  rest: string[];
}

/** Reads one override value: YAML for numbers, booleans, null, [lists] and {maps}; else the raw string. */
export function parseOverrideValue(text: string): unknown {
  if (text === '') return '';
  try {
    return parseYaml(text);
  } catch {
    return text;
  }
}

/**
 * Splits `args` into config overrides and the rest. An argument `--key...` is an override when
 * its key contains a dot or is one of `sections` (the config's top-level keys); other arguments
 * are passed through untouched for the command's own flag parsing.
 */
export function parseOverrides(args: readonly string[], sections: readonly string[] = []): ParsedOverrides {
  const values: ConfigObject = {};
  const keys: string[] = [];
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const m = /^--([A-Za-z_][\w.-]*)(?:=([\s\S]*))?$/.exec(arg);
    if (!m || arg === '--' || !(m[1].includes('.') || sections.includes(m[1]))) {
      rest.push(arg);
      continue;
    }
    const key = m[1];
    let value: unknown;
    if (m[2] !== undefined) value = parseOverrideValue(m[2]);
    else if (i + 1 < args.length && !args[i + 1].startsWith('--')) value = parseOverrideValue(args[++i]);
    else value = true;
    if (keys.includes(key)) throw new ConfigError(key, 'given twice on the command line');
    setDotted(values, key, value);
    keys.push(key);
  }
  return { values, keys, rest };
}
