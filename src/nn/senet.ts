/**
 * Squeeze-and-excitation over fields (FiBiNET, Huang et al., RecSys 2019): squeeze each field
 * embedding to its mean, excite through F -> F/r -> F (ReLU after both, no bias, as in the paper),
 * and reweight each field embedding by its weight. [B, F, D] -> [B, F, D].
 */
import { mean, mul, relu, reshape } from '../autograd/index.js';
import type { Rng } from '../tensor/rng.js';
import type { Tensor } from '../tensor/tensor.js';
import { ShapeError } from '../util/errors.js';
import { Linear } from './linear.js';
import { Module } from './module.js';

export class SENet extends Module {
  squeeze: Linear;
  excite: Linear;

  /** `reductionRatio` r: the bottleneck has max(1, floor(F / r)) units. */
  constructor(
    readonly numFields: number,
    readonly reductionRatio: number,
    rng: Rng,
  ) {
    super();
    if (!(reductionRatio > 0)) throw new ShapeError(`SENet: reduction ratio must be positive, got ${reductionRatio}`);
    const reduced = Math.max(1, Math.floor(numFields / reductionRatio));
    this.squeeze = this.swappable('squeeze', new Linear(numFields, reduced, rng, false), (m) => (this.squeeze = m));
    this.excite = this.swappable('excite', new Linear(reduced, numFields, rng, false), (m) => (this.excite = m));
  }

  /** The field weights A [B, F]. */
  weights(emb: Tensor): Tensor {
    const z = mean(emb, 2); // [B, F]
    return relu(this.excite.forward(relu(this.squeeze.forward(z))));
  }

  forward(emb: Tensor): Tensor {
    const [B, F] = emb.shape;
    if (F !== this.numFields) throw new ShapeError(`SENet: built for ${this.numFields} fields, got [${emb.shape}]`);
    return mul(emb, reshape(this.weights(emb), [B, F, 1]));
  }
}
