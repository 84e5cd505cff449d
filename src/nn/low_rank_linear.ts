/**
 * A Linear layer factored through rank k: x -> down (in -> k) -> [activation] -> up (k -> out).
 * Built by the compressor (AFM, AFM-act, SVD); behaves as a drop-in LinearLike.
 */
import type { Rng } from '../tensor/rng.js';
import type { Tensor } from '../tensor/tensor.js';
import { Linear } from './linear.js';
import type { LinearLike } from './mlp.js';
import { Module } from './module.js';

export class LowRankLinear extends Module implements LinearLike {
  down: Linear;
  up: Linear;

  constructor(
    readonly inDim: number,
    readonly outDim: number,
    readonly rank: number,
    readonly activation: 'none' | 'relu',
    rng: Rng,
  ) {
    super();
    this.down = this.swappable('down', new Linear(inDim, rank, rng), (m) => (this.down = m));
    this.up = this.swappable('up', new Linear(rank, outDim, rng), (m) => (this.up = m));
  }

  forward(x: Tensor, act: 'relu' | null = null): Tensor {
    const h = this.down.forward(x, this.activation === 'relu' ? 'relu' : null);
    return this.up.forward(h, act);
  }
}
