/**
 * Cross network of DCN-V2 (Wang et al., 2021, "DCN V2: Improved Deep & Cross Network"), full-rank
 * form: x_{l+1} = x0 ⊙ (W_l x_l + b_l) + x_l. Each W_l is a Linear sub-module (`layer0`, ...) so
 * the compressor can find and replace it. [B, dim] -> [B, dim].
 */
import { add, mul } from '../autograd/index.js';
import type { Rng } from '../tensor/rng.js';
import type { Tensor } from '../tensor/tensor.js';
import { Linear } from './linear.js';
import type { LinearLike } from './mlp.js';
import { Module } from './module.js';

export class CrossNetV2 extends Module {
  layers: LinearLike[] = [];

  constructor(
    readonly dim: number,
    readonly numLayers: number,
    rng: Rng,
  ) {
    super();
    for (let l = 0; l < numLayers; l++)
      this.layers.push(this.swappable(`layer${l}`, new Linear(dim, dim, rng), (m) => (this.layers[l] = m)));
  }

  forward(x0: Tensor): Tensor {
    let x = x0;
    for (const layer of this.layers) x = add(mul(x0, layer.forward(x)), x);
    return x;
  }
}
