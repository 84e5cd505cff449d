/** Batch normalization over the batch axis of [B, D] (running statistics for eval). */
import { batchNorm, type BatchNormState } from '../autograd/index.js';
import { Tensor } from '../tensor/tensor.js';
import { Module } from './module.js';

export class BatchNorm extends Module {
  readonly gamma: Tensor;
  readonly beta: Tensor;
  readonly state: BatchNormState;

  constructor(
    readonly dim: number,
    momentum = 0.1,
    eps = 1e-5,
  ) {
    super();
    this.gamma = this.param('gamma', Tensor.param(Tensor.full([dim], 1)));
    this.beta = this.param('beta', Tensor.param(Tensor.zeros([dim])));
    this.state = {
      runningMean: this.buffer('running_mean', new Float32Array(dim)),
      runningVar: this.buffer('running_var', new Float32Array(dim).fill(1)),
      momentum,
      eps,
    };
  }

  forward(x: Tensor): Tensor {
    return batchNorm(x, this.gamma, this.beta, this.state, this.training);
  }
}
