/**
 * First-order (wide) term: a learned weight per categorical id (a 1-dim embedding table per
 * field) plus a weight per numeric value and a bias. Returns logits [B]. These weights are not
 * compressed by AFM; they are counted in the model's size.
 */
import { add, lookupFields, matmul, reshape, sum, traceInput } from '../autograd/index.js';
import type { EmbeddingTable } from '../embedding/table.js';
import type { Batch, FeatureSpec, ModelContext } from './types.js';
import { Tensor } from '../tensor/tensor.js';
import { Module } from './module.js';

export class LinearTerm extends Module {
  readonly weights: EmbeddingTable[];
  readonly numericW: Tensor | null;
  readonly bias: Tensor;

  constructor(
    readonly spec: FeatureSpec,
    ctx: ModelContext,
  ) {
    super();
    this.weights = spec.categorical.map((f) => {
      const t = ctx.store.create(`${f.name}.w`, f.vocab, 1, ctx.slots);
      return this.table(f.name, t); // zero-initialised
    });
    const N = spec.numeric.length;
    this.numericW = N > 0 ? this.param('numeric', Tensor.param(Tensor.zeros([N, 1]))) : null;
    this.bias = this.param('bias', Tensor.param(Tensor.zeros([1])));
  }

  forward(b: Batch): Tensor {
    let out = sum(lookupFields(this.weights, b.ids, b.rows), [1, 2]);
    const N = this.spec.numeric.length;
    if (this.numericW) {
      const x = traceInput('dense', Tensor.from(b.dense.subarray(0, b.rows * N), [b.rows, N]));
      out = add(out, reshape(matmul(x, this.numericW), [b.rows]));
    }
    return add(out, this.bias);
  }
}
