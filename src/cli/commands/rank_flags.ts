/**
 * The flags that choose ranks, shared by `compress` on a run and on an ONNX graph: exactly one of
 * --ratio, --energy, --ranks, and --field-energy; the numbers are checked by the rank rules as the
 * flags are parsed.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { DEFAULT_FIELD_ENERGY, RANK_RULES, type RankChoice } from '../../compress/rank_choice.js';
import { UsageError } from '../../util/errors.js';
import type { Flag } from '../flags.js';

export const RANK_FLAGS = [
  {
    name: 'ratio',
    kind: 'number',
    arg: 'R',
    rule: RANK_RULES.ratio,
    help: 'parameter budget: original / R (greedy: least energy lost per parameter saved)',
  },
  {
    name: 'energy',
    kind: 'number',
    arg: 'E',
    rule: RANK_RULES.energy,
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
    rule: RANK_RULES.fieldEnergy,
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
  ratio?: number;
  energy?: number;
  ranks?: string;
  'field-energy'?: number;
}): RankChoice {
  const { ratio, energy, ranks, 'field-energy': fieldEnergy } = values;
  const given = [ratio, energy, ranks].filter((v) => v !== undefined).length;
  if (given !== 1) throw new UsageError('give exactly one of --ratio, --energy, --ranks');
  if (fieldEnergy !== undefined && ratio === undefined)
    throw new UsageError('--field-energy applies only with --ratio');
  if (ranks !== undefined) return { by: 'ranks', ranks: readRanks(ranks) };
  if (energy !== undefined) return { by: 'energy', energy };
  return { by: 'ratio', ratio: ratio!, ...(fieldEnergy === undefined ? {} : { fieldEnergy }) };
}
