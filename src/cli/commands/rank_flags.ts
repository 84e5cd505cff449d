/**
 * The flags that choose ranks, shared by `compress` on a run and on an ONNX graph: exactly one of
 * --ratio, --energy, --ranks (read as text, then checked by the rank rules), and --field-energy.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { DEFAULT_FIELD_ENERGY, RANK_RULES, type RankChoice } from '../../compress/rank_choice.js';
import { UsageError } from '../../util/errors.js';
import { type Flag, numberFlag } from '../flags.js';

export const RANK_FLAGS = [
  {
    name: 'ratio',
    kind: 'string',
    arg: 'R',
    help: 'parameter budget: original / R (greedy: least energy lost per parameter saved)',
  },
  {
    name: 'energy',
    kind: 'string',
    arg: 'E',
    help: 'per target, the smallest rank keeping >= E of the output variance (0 < E < 1)',
  },
  {
    name: 'ranks',
    kind: 'string',
    arg: 'FILE',
    help: "YAML/JSON mapping target -> rank (targets: Linear paths like mlp.layer1, and 'embedding')",
  },
  {
    name: 'field-energy',
    kind: 'number',
    arg: 'E',
    rule: { ok: RANK_RULES.fieldEnergy.ok, what: RANK_RULES.fieldEnergy.means },
    help: `with --ratio: layers run many times per example (attention projections once\nper field, CIN maps once per embedding column), whose compute is out of\nproportion to their parameters, are also factored at the smallest rank\nkeeping >= E of their output variance (default ${DEFAULT_FIELD_ENERGY}; 0: off)`,
  },
] as const satisfies readonly Flag[];

function readRanks(file: string): Record<string, number> {
  let raw: unknown;
  try {
    raw = parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UsageError(`--ranks ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw))
    throw new UsageError(`--ranks ${file}: expected a mapping of target -> rank, e.g. "mlp.layer1: 64"`);
  return raw as Record<string, number>; // each rank is checked against its target's bounds by selectRanks
}

/** The one rank rule the flags ask for, its numbers checked by RANK_RULES. */
export function rankChoiceOf(values: {
  ratio?: string;
  energy?: string;
  ranks?: string;
  'field-energy'?: number;
}): RankChoice {
  const given = (['ratio', 'energy', 'ranks'] as const).filter((k) => values[k] !== undefined);
  if (given.length !== 1) throw new UsageError('give exactly one of --ratio, --energy, --ranks');
  const flag = (name: 'ratio' | 'energy', rule: { ok: (n: number) => boolean; means: string }): number | undefined =>
    numberFlag(name, values[name], rule.ok, rule.means);
  const fieldEnergy = values['field-energy'];
  if (fieldEnergy !== undefined && given[0] !== 'ratio')
    throw new UsageError('--field-energy applies only with --ratio');
  if (given[0] === 'ranks') return { by: 'ranks', ranks: readRanks(values.ranks!) };
  if (given[0] === 'energy') return { by: 'energy', energy: flag('energy', RANK_RULES.energy)! };
  return {
    by: 'ratio',
    ratio: flag('ratio', RANK_RULES.ratio)!,
    ...(fieldEnergy === undefined ? {} : { fieldEnergy }),
  };
}
