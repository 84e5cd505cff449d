/**
 * Declarative command-line flags. Each command lists its flags once, in a table (name, kind,
 * placeholder, default, allowed values or numeric rule, help line); the table makes both the
 * parser (on Node's util.parseArgs) and the Options section of the command's --help. A bad flag
 * is a UsageError naming it, printed by the CLI as `slimctr CMD: --flag: ...` (exit 2).
 */
import { parseArgs } from 'node:util';
import { UsageError } from '../util/errors.js';

/** What a numeric flag's value must be, as a test and in words. */
export interface NumberRule {
  ok: (n: number) => boolean;
  what: string;
}

export const WHOLE: NumberRule = { ok: (n) => Number.isInteger(n) && n >= 0, what: 'a whole number' };
export const POSITIVE_INT: NumberRule = { ok: (n) => Number.isInteger(n) && n > 0, what: 'a positive integer' };
export const POSITIVE: NumberRule = { ok: (n) => n > 0, what: 'a positive number' };

interface FlagBase {
  /** The long name, without the dashes. */
  name: string;
  /** What it does, for --help; '\n' starts a continuation line. */
  help: string;
}

/** One row of a command's flag table. */
export type Flag =
  | (FlagBase & { kind: 'boolean' })
  | (FlagBase & {
      kind: 'string';
      /** The value's placeholder in --help (FILE, N, ...). */
      arg: string;
      choices?: readonly string[];
      default?: string;
      required?: true;
    })
  | (FlagBase & { kind: 'number'; arg: string; rule: NumberRule; default?: number; required?: true });

type Present = { default: unknown } | { required: true };
type ValueOf<F> = F extends { kind: 'boolean' }
  ? boolean
  : F extends { kind: 'number' }
    ? F extends Present
      ? number
      : number | undefined
    : F extends { choices: readonly (infer C)[] }
      ? F extends Present
        ? C
        : C | undefined
      : F extends Present
        ? string
        : string | undefined;

/** The parsed values of a table declared `as const`, typed per flag. */
type FlagValues<T extends readonly Flag[]> = { [F in T[number] as F['name']]: ValueOf<F> };

export interface ParseOptions {
  /** Plain arguments (files) are allowed and returned; else one is a usage error. */
  positionals?: boolean;
  /** Flags not in the table and plain arguments are returned in `rest`, in order, for a later parser (config overrides). */
  passthrough?: boolean;
}

export interface Parsed<T extends readonly Flag[]> {
  values: FlagValues<T>;
  positionals: string[];
  rest: string[];
}

/** A numeric flag value checked by `rule` (undefined when absent); a bad value is a UsageError naming the flag. */
function numberFlag(
  name: string,
  v: string | undefined,
  check: (n: number) => boolean,
  what: string,
): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || !check(n))
    throw new UsageError(`--${name}: must be ${what}, got '${v}'`);
  return n;
}

function parseValue(flag: Flag, raw: string): string | number {
  if (flag.kind === 'number') return numberFlag(flag.name, raw, flag.rule.ok, flag.rule.what) as number;
  if (flag.kind === 'string' && flag.choices && !flag.choices.includes(raw))
    throw new UsageError(`--${flag.name}: must be one of ${flag.choices.join(', ')}, got '${raw}'`);
  return raw;
}

/** Parses `argv` (the arguments after the command's name) against `table`. */
export function parseFlags<const T extends readonly Flag[]>(
  command: string,
  table: T,
  argv: readonly string[],
  opts: ParseOptions = {},
): Parsed<T> {
  const byName = new Map<string, Flag>(table.map((f) => [f.name, f]));
  const options = Object.fromEntries(
    table.map((f) => [f.name, { type: f.kind === 'boolean' ? ('boolean' as const) : ('string' as const) }]),
  );
  const { tokens } = parseArgs({ args: [...argv], options, strict: false, allowPositionals: true, tokens: true });
  const values: Record<string, string | number | boolean | undefined> = {};
  const positionals: string[] = [];
  const rest: string[] = [];
  const passed = new Set<number>();
  const pass = (index: number): void => {
    if (!passed.has(index)) rest.push(argv[index]);
    passed.add(index);
  };
  const see = `(see slimctr ${command} --help)`;
  let terminated = false;
  for (const t of tokens) {
    if (t.kind === 'option-terminator') {
      terminated = true;
      if (opts.passthrough) pass(t.index);
    } else if (t.kind === 'positional') {
      if (opts.passthrough) pass(t.index);
      else if (opts.positionals) positionals.push(t.value);
      else throw new UsageError(`unexpected argument '${t.value}' ${see}`);
    } else {
      const flag = byName.get(t.name);
      if (!flag || terminated) {
        if (opts.passthrough) pass(t.index);
        else throw new UsageError(`${t.rawName}: unknown option ${see}`);
      } else if (flag.kind === 'boolean') {
        if (t.inlineValue) throw new UsageError(`--${flag.name}: takes no value, got '${t.value}'`);
        values[flag.name] = true;
      } else {
        if (t.value === undefined || (!t.inlineValue && t.value.startsWith('--')))
          throw new UsageError(`--${flag.name}: needs a value (${flag.arg})`);
        values[flag.name] = parseValue(flag, t.value);
      }
    }
  }
  for (const f of table) {
    if (values[f.name] !== undefined) continue;
    if (f.kind === 'boolean') values[f.name] = false;
    else if (f.required) throw new UsageError(`--${f.name}: required (--${f.name} ${f.arg}) ${see}`);
    else values[f.name] = f.default;
  }
  return { values: values as FlagValues<T>, positionals, rest };
}

/** The widest flag column before a flag's help moves to the next line. */
const MAX_LEFT = 22;

/** The Options section of --help: one entry per flag of the table, with its default. */
function flagsHelp(table: readonly Flag[]): string {
  const lefts = table.map((f) => (f.kind === 'boolean' ? `--${f.name}` : `--${f.name} ${f.arg}`));
  const width = Math.max(0, ...lefts.filter((l) => l.length <= MAX_LEFT).map((l) => l.length));
  const indent = ' '.repeat(width + 4);
  return table
    .map((f, i) => {
      const dflt = f.kind !== 'boolean' && f.default !== undefined ? ` (default ${f.default})` : '';
      const [first, ...more] = `${f.help}${dflt}`.split('\n');
      const head =
        lefts[i].length > width ? `  ${lefts[i]}\n${indent}${first}` : `  ${lefts[i].padEnd(width)}  ${first}`;
      return [head, ...more.map((l) => `${indent}${l}`)].join('\n');
    })
    .join('\n');
}

/** A command's --help: the synopsis and description, the flag table's Options, then any closing text. */
export function usageOf(head: string, table: readonly Flag[], tail = ''): string {
  const options = table.length ? `\n\nOptions:\n${flagsHelp(table)}` : '';
  return `${head}${options}${tail ? `\n\n${tail}` : ''}`;
}
