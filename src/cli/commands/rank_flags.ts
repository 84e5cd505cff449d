/**
 * The flags that choose ranks, shared by `compress` on a run and on an ONNX graph: exactly one of
 * --ratio, --energy, --ranks, and --field-energy; the numbers are checked by the rank rules as the
 * flags are parsed. A run's compress also takes --bytes (a file-size budget: ranks and bit widths
 * together) and --quantize (bits for every target, with or without a rank rule): STORAGE_FLAGS.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { DEFAULT_FIELD_ENERGY, RANK_RULES, type RankChoice } from '../../compress/rank_choice.js';
import { UsageError } from '../../util/errors.js';
import type { Flag } from '../flags.js';
import { parseByteSize } from '../../util/byte_size.js';
import { QUANTIZE } from '../../compress/quantize.js';

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

export const STORAGE_FLAGS = [
  {
    name: 'bytes',
    kind: 'string',
    arg: 'SIZE',
    help: 'model file budget (e.g. 1MB, 500KB, 1.5MiB): ranks and bit widths chosen\ntogether (least estimated output error per byte saved)',
  },
  {
    name: 'quantize',
    kind: 'string',
    arg: 'BITS',
    choices: QUANTIZE,
    help: 'store every target in fewer bits: int8 (tables and Linear weights) or int4\n(tables in 4 bits, Linear weights in 8); alone, or on top of a rank rule',
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

/** The one rank rule the flags ask for, its numbers checked by RANK_RULES (no rule with --quantize alone: no factoring). */
export function rankChoiceOf(
  values: {
    ratio?: number;
    energy?: number;
    ranks?: string;
    'field-energy'?: number;
    bytes?: string;
    quantize?: string;
  },
  storage = false,
): RankChoice {
  const { ratio, energy, ranks, 'field-energy': fieldEnergy, bytes, quantize } = values;
  const given = [ratio, energy, ranks, bytes].filter((v) => v !== undefined).length;
  if (given === 0 && quantize !== undefined) return { by: 'ranks', ranks: {} };
  if (given !== 1)
    throw new UsageError(
      `give exactly one of --ratio, --energy, --ranks${storage ? ', --bytes (or --quantize alone)' : ''}`,
    );
  if (bytes !== undefined) {
    if (quantize !== undefined)
      throw new UsageError('--bytes chooses the bit widths itself: give --bytes or --quantize, not both');
    const n = parseByteSize(bytes);
    if (n === null)
      throw new UsageError(`--bytes: expected a size like 1MB, 500KB, 1.5MiB or 250000, got ${JSON.stringify(bytes)}`);
    return { by: 'bytes', bytes: n };
  }
  if (fieldEnergy !== undefined && ratio === undefined)
    throw new UsageError('--field-energy applies only with --ratio');
  if (ranks !== undefined) return { by: 'ranks', ranks: readRanks(ranks) };
  if (energy !== undefined) return { by: 'energy', energy };
  return { by: 'ratio', ratio: ratio!, ...(fieldEnergy === undefined ? {} : { fieldEnergy }) };
}
