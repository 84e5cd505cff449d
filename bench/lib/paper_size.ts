/**
 * The "small model from scratch" baseline of the paper bench: the same architecture with a narrower
 * embedding and MLP (or attention), sized to match a compressed model's parameter count. Parameter
 * counts come from two tiny instances (every vocabulary 1, then 2), so that no full-size model has
 * to be allocated for each candidate: params = dense + (total vocabulary) x (parameters per row).
 */
import { EmbeddingStore } from '../../src/embedding/store.js';
import { findModel } from '../../src/models/registry.js';
import type { FeatureSpec } from '../../src/nn/types.js';
import { Rng } from '../../src/tensor/rng.js';

type Options = Record<string, unknown>;

function countWithVocab(name: string, spec: FeatureSpec, opts: Options, vocab: number): number {
  const entry = findModel(name)!;
  const tiny: FeatureSpec = { ...spec, categorical: spec.categorical.map((f) => ({ ...f, vocab })) };
  return entry
    .create(tiny, entry.options.parse(opts), { rng: new Rng(0), store: new EmbeddingStore(), slots: 0 })
    .paramCount();
}

/** Parameters of model `name` with options `opts` on the features `spec`, without allocating its tables. */
export function paramsOf(name: string, spec: FeatureSpec, opts: Options): number {
  const one = countWithVocab(name, spec, opts, 1),
    two = countWithVocab(name, spec, opts, 2);
  const fields = spec.categorical.length;
  const perRow = fields ? (two - one) / fields : 0;
  const rows = spec.categorical.reduce((s, f) => s + f.vocab, 0);
  return one + (rows - fields) * perRow;
}

/** Option overrides that shrink a model: embedding width, and the widths of its MLP and attention heads. */
function shrink(opts: Options, dim: number, width: number): Options {
  const out: Options = { ...opts, embedding_dim: dim };
  if (Array.isArray(opts.hidden)) out.hidden = (opts.hidden as number[]).map((h) => Math.max(1, Math.round(h * width)));
  if (typeof opts.attention_head_dim === 'number')
    out.attention_head_dim = Math.max(1, Math.round(opts.attention_head_dim * width));
  return out;
}

/**
 * The largest shrunken variant with at most `target` parameters (the smallest one when none fits),
 * over embedding widths 2..16 and layer-width factors 1 .. 1/8.
 */
export function smallOptions(
  name: string,
  spec: FeatureSpec,
  opts: Options,
  target: number,
): { options: Options; params: number } {
  const entry = findModel(name)!;
  const full = entry.options.parse(opts) as Options;
  let best: { options: Options; params: number } | null = null,
    smallest: { options: Options; params: number } | null = null;
  for (const dim of [2, 3, 4, 6, 8, 12, 16])
    for (const width of [1, 0.75, 0.5, 0.375, 0.25, 0.125]) {
      const o = shrink(full, dim, width);
      const params = paramsOf(name, spec, o);
      if (params <= target && (!best || params > best.params)) best = { options: o, params };
      if (!smallest || params < smallest.params) smallest = { options: o, params };
    }
  return best ?? smallest!;
}
