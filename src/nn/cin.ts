/**
 * Compressed Interaction Network (xDeepFM, Lian et al., KDD 2018). Layer k builds feature maps
 * X^k_h = sum_{i,j} W^{k,h}_{ij} (X^{k-1}_i ⊙ X^0_j): per embedding dimension d, the outer product
 * of the previous maps with the field embeddings, then a 1x1 convolution, which is a matmul:
 * Z [B*D, H_{k-1}*F] x W [H_{k-1}*F, H_k]. Each layer is sum-pooled over D and the pools are
 * concatenated. With `splitHalf` (the paper's released code) every layer but the last sends half
 * of its maps to the next layer and the other half to the output.
 * Maps are kept as [B, D, H] throughout so no layer needs a transpose.
 */
import { bmm, concat, permute, reshape, slice, sum } from '../autograd/index.js';
import type { Rng } from '../tensor/rng.js';
import type { Tensor } from '../tensor/tensor.js';
import { ShapeError } from '../util/errors.js';
import { Linear } from './linear.js';
import type { LinearLike } from './mlp.js';
import { Module } from './module.js';

export interface CINOptions {
  /** Feature maps H_k per layer. */
  layers: number[];
  /** Half of each non-last layer's maps go to the next layer, half to the output (default true). */
  splitHalf?: boolean;
}

export class CIN extends Module {
  /** The 1x1 convolutions, one per layer (`layer0`, `layer1`, ...): [H_{k-1} * F] -> [H_k]. */
  readonly convs: LinearLike[] = [];
  /** Maps of each layer carried to the next one (the first `carried[k]` of its H_k). */
  readonly carried: number[] = [];
  /** Width of the output: the sum over layers of the maps that go to the output. */
  readonly outDim: number;

  constructor(
    readonly numFields: number,
    opts: CINOptions,
    rng: Rng,
  ) {
    super();
    if (opts.layers.length === 0) throw new ShapeError('CIN: needs at least one layer');
    const splitHalf = opts.splitHalf ?? true;
    let prev = numFields,
      out = 0;
    opts.layers.forEach((size, k) => {
      const split = splitHalf && k < opts.layers.length - 1;
      if (split && size < 2) throw new ShapeError(`CIN: layer ${k} has ${size} maps, too few to split in half`);
      this.convs.push(this.swappable(`layer${k}`, new Linear(prev * numFields, size, rng), (m) => (this.convs[k] = m)));
      const next = split ? Math.floor(size / 2) : size;
      this.carried.push(next);
      out += split ? size - next : size;
      prev = next;
    });
    this.outDim = out;
  }

  /** [B, F, D] field embeddings -> [B, outDim] sum-pooled feature maps. */
  forward(emb: Tensor): Tensor {
    const [B, F, D] = emb.shape;
    if (F !== this.numFields) throw new ShapeError(`CIN: built for ${this.numFields} fields, got [${emb.shape}]`);
    const x0 = permute(emb, [0, 2, 1]); // [B, D, F]
    const x0Row = reshape(x0, [B * D, 1, F]);
    let xk = x0,
      h = F;
    const pooled: Tensor[] = [];
    this.convs.forEach((conv, k) => {
      // Outer product per (example, dimension): z[b*D+d, i, j] = X^{k-1}_{i,d} X^0_{j,d}.
      const z = bmm(reshape(xk, [B * D, h, 1]), x0Row); // [B*D, h, F]
      const maps = reshape(conv.forward(reshape(z, [B * D, h * F])), [B, D, conv.outDim]);
      const next = this.carried[k];
      if (next === conv.outDim) {
        pooled.push(sum(maps, 1));
        xk = maps;
      } else {
        pooled.push(sum(slice(maps, 2, next, conv.outDim), 1));
        xk = slice(maps, 2, 0, next);
      }
      h = next;
    });
    return pooled.length === 1 ? pooled[0] : concat(pooled, 1);
  }
}
