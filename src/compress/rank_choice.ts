/**
 * How the ranks of a compression are chosen: exactly one rule, by ratio (a parameter budget of
 * original / ratio), by an explicit parameter budget, by a file-size budget (ranks and bit widths
 * together), by an energy threshold per target, or by explicit ranks per target. Checked once where it enters (the CLI flags, the API options) and
 * trusted from there on; the defaults and bounds are named here and nowhere else.
 */
import { ConfigError } from '../util/errors.js';

/**
 * Under a budget (ratio or params), layers run many times per example are also factored at the
 * smallest rank keeping `fieldEnergy` of their output variance (0: leave them to the budget).
 */
export type RankChoice =
  | { by: 'ratio'; ratio: number; fieldEnergy?: number }
  | { by: 'budget'; params: number; fieldEnergy?: number }
  | { by: 'energy'; energy: number }
  /** A model file of at most `bytes` bytes, ranks and bit widths chosen together (byte_budget.ts). */
  | { by: 'bytes'; bytes: number }
  | { by: 'ranks'; ranks: Record<string, number> };

/** Energy kept by layers run once per field under a budget (see select.ts). */
export const DEFAULT_FIELD_ENERGY = 0.99;

/** What each number of a choice must be: the one test and its words (`what`), for the CLI flags (as their number rules) and the API check. */
export const RANK_RULES = {
  ratio: { ok: (n: number) => n > 1, what: 'a number above 1' },
  params: { ok: (n: number) => Number.isInteger(n) && n > 0, what: 'a positive integer' },
  bytes: { ok: (n: number) => Number.isInteger(n) && n > 0, what: 'a positive whole number of bytes' },
  energy: { ok: (n: number) => n > 0 && n < 1, what: 'between 0 and 1' },
  fieldEnergy: { ok: (n: number) => n >= 0 && n < 1, what: 'at least 0 and below 1' },
} as const;

/** The parameter budget a choice sets for a model of `params` parameters (null: the choice is not a budget). */
export function budgetOf(choice: RankChoice, params: number): number | null {
  if (choice.by === 'ratio') return params / choice.ratio;
  return choice.by === 'budget' ? choice.params : null;
}

/** Why `k` is not a rank in 1..max (null: it is one). The one rank-bound check. */
export function rankProblem(k: unknown, max: number): string | null {
  return Number.isInteger(k) && (k as number) >= 1 && (k as number) <= max
    ? null
    : `must be an integer in 1..${max}, got ${JSON.stringify(k)}`;
}

const SHAPES =
  "{ by: 'ratio', ratio } | { by: 'budget', params } | { by: 'bytes', bytes } | { by: 'energy', energy } | { by: 'ranks', ranks: { target: rank } }";

/** Checks a choice from outside (an API caller); errors name the key, e.g. `rank.ratio`. */
export function checkRankChoice(value: unknown, key = 'rank'): RankChoice {
  const v = value as Record<string, unknown> | null;
  if (!v || typeof v !== 'object') throw new ConfigError(key, `expected ${SHAPES}`);
  const fields = (allowed: string[]): void => {
    const extra = Object.keys(v).find((k) => k !== 'by' && !allowed.includes(k));
    if (extra !== undefined) throw new ConfigError(`${key}.${extra}`, `not a setting of { by: '${v.by}' }`);
  };
  const num = (name: keyof typeof RANK_RULES): number => {
    const n = v[name];
    const rule = RANK_RULES[name];
    if (typeof n !== 'number' || !rule.ok(n))
      throw new ConfigError(`${key}.${name}`, `must be ${rule.what}, got ${JSON.stringify(n)}`);
    return n;
  };
  const fieldEnergy = (): { fieldEnergy?: number } =>
    v.fieldEnergy === undefined ? {} : { fieldEnergy: num('fieldEnergy') };
  switch (v.by) {
    case 'ratio':
      fields(['ratio', 'fieldEnergy']);
      return { by: 'ratio', ratio: num('ratio'), ...fieldEnergy() };
    case 'budget':
      fields(['params', 'fieldEnergy']);
      return { by: 'budget', params: num('params'), ...fieldEnergy() };
    case 'bytes':
      fields(['bytes']);
      return { by: 'bytes', bytes: num('bytes') };
    case 'energy':
      fields(['energy']);
      return { by: 'energy', energy: num('energy') };
    case 'ranks': {
      fields(['ranks']);
      const ranks = v.ranks as Record<string, unknown> | null;
      if (!ranks || typeof ranks !== 'object' || Array.isArray(ranks))
        throw new ConfigError(`${key}.ranks`, 'expected a mapping of target -> rank, e.g. { "mlp.layer1": 64 }');
      return { by: 'ranks', ranks: { ...ranks } as Record<string, number> };
    }
    default:
      throw new ConfigError(
        `${key}.by`,
        `must be ratio, budget, bytes, energy or ranks, got ${JSON.stringify(v.by)}; expected ${SHAPES}`,
      );
  }
}
