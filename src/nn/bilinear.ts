/**
 * Bilinear interaction (FiBiNET, Huang et al., RecSys 2019): for every field pair i < j,
 * p_ij = (v_i W) ⊙ v_j, with W shared by all fields ('field_all'), one per left field i
 * ('field_each'), or one per pair ('field_interaction'). [B, F, D] -> [B, F(F-1)/2, D], pairs in
 * order (0,1), (0,2), ..., (F-2,F-1). One fused op (autograd/ops/bilinear.ts): no permutes or
 * gathered copies of the embeddings.
 */
import { bilinearPairs } from '../autograd/index.js';
import type { Rng } from '../tensor/rng.js';
import { Tensor } from '../tensor/tensor.js';
import { ShapeError } from '../util/errors.js';
import { Module } from './module.js';

export const BILINEAR_TYPES = ['field_all', 'field_each', 'field_interaction'] as const;
export type BilinearType = (typeof BILINEAR_TYPES)[number];

export class BilinearInteraction extends Module {
  /** [D, D] (field_all), [F-1, D, D] (field_each) or [P, D, D] (field_interaction). */
  readonly W: Tensor;
  /** Left and right field of each pair. */
  readonly left: Int32Array;
  readonly right: Int32Array;

  constructor(
    readonly numFields: number,
    readonly dim: number,
    readonly type: BilinearType,
    rng: Rng,
  ) {
    super();
    if (numFields < 2) throw new ShapeError(`BilinearInteraction: needs at least 2 fields, got ${numFields}`);
    const left: number[] = [],
      right: number[] = [];
    for (let i = 0; i < numFields; i++)
      for (let j = i + 1; j < numFields; j++) {
        left.push(i);
        right.push(j);
      }
    this.left = Int32Array.from(left);
    this.right = Int32Array.from(right);
    const count = type === 'field_all' ? [] : type === 'field_each' ? [numFields - 1] : [left.length];
    const limit = Math.sqrt(6 / (2 * dim)); // Glorot uniform of each D x D matrix
    this.W = this.param('W', Tensor.param(Tensor.uniform([...count, dim, dim], rng, limit)));
  }

  get numPairs(): number {
    return this.left.length;
  }

  forward(emb: Tensor): Tensor {
    const [, F, D] = emb.shape;
    if (F !== this.numFields || D !== this.dim) {
      throw new ShapeError(`BilinearInteraction: built for [*, ${this.numFields}, ${this.dim}], got [${emb.shape}]`);
    }
    return bilinearPairs(emb, this.W); // [B, P, D]
  }
}
