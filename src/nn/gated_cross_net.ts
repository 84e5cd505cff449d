/**
 * Gated cross network of GDCN (Wang et al., 2023, "Towards Deeper, Lighter and Interpretable
 * Cross Network for CTR Prediction"): c_{l+1} = c0 ⊙ (W_l c_l + b_l) ⊙ sigmoid(W_g c_l) + c_l.
 * The gate learns which crossed features to keep. W_l (`cross0`, ...) and W_g (`gate0`, ...) are
 * Linear sub-modules. [B, dim] -> [B, dim].
 */
import { add, mul, sigmoid } from '../autograd/index.js';
import type { Rng } from '../tensor/rng.js';
import type { Tensor } from '../tensor/tensor.js';
import { Linear } from './linear.js';
import type { LinearLike } from './mlp.js';
import { Module } from './module.js';

export class GatedCrossNet extends Module {
  crosses: LinearLike[] = [];
  gates: LinearLike[] = [];

  constructor(
    readonly dim: number,
    readonly numLayers: number,
    rng: Rng,
  ) {
    super();
    for (let l = 0; l < numLayers; l++) {
      this.crosses.push(this.swappable(`cross${l}`, new Linear(dim, dim, rng), (m) => (this.crosses[l] = m)));
      this.gates.push(this.swappable(`gate${l}`, new Linear(dim, dim, rng, false), (m) => (this.gates[l] = m)));
    }
  }

  forward(c0: Tensor): Tensor {
    let c = c0;
    for (let l = 0; l < this.numLayers; l++) {
      const crossed = mul(c0, this.crosses[l].forward(c));
      c = add(mul(crossed, sigmoid(this.gates[l].forward(c))), c);
    }
    return c;
  }
}
