/**
 * Cross network of DCN (Wang et al., 2017, "Deep & Cross Network for Ad Click Predictions"):
 * x_{l+1} = x0 * (x_l . w_l) + b_l + x_l, with a weight vector w_l and bias b_l per layer.
 * [B, dim] -> [B, dim]. Each layer adds one degree of feature crossing at 2 * dim parameters; it
 * runs as one fused op (autograd/ops/cross.ts).
 */
import { crossLayer } from '../autograd/index.js';
import type { Rng } from '../tensor/rng.js';
import { Tensor } from '../tensor/tensor.js';
import { Module } from './module.js';

export class CrossNet extends Module {
  /** Per layer: w_l as a [dim, 1] column (so x_l . w_l is one matmul) and b_l [dim]. */
  readonly weights: Tensor[] = [];
  readonly biases: Tensor[] = [];

  constructor(
    readonly dim: number,
    readonly numLayers: number,
    rng: Rng,
  ) {
    super();
    for (let l = 0; l < numLayers; l++) {
      this.weights.push(this.param(`w${l}`, Tensor.param(Tensor.uniform([dim, 1], rng, 1 / Math.sqrt(dim)))));
      this.biases.push(this.param(`b${l}`, Tensor.param(Tensor.zeros([dim]))));
    }
  }

  forward(x0: Tensor): Tensor {
    let x = x0;
    for (let l = 0; l < this.numLayers; l++) x = crossLayer(x0, x, this.weights[l], this.biases[l]);
    return x;
  }
}
