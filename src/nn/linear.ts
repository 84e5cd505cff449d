/** Fully connected layer y = x W + b, W stored [in, out]. The unit the compressor factorizes. */
import { linear, outputsObserved, relu, reportOutput } from '../autograd/index.js';
import type { Rng } from '../tensor/rng.js';
import { Tensor } from '../tensor/tensor.js';
import { heUniform } from './init.js';
import { Module } from './module.js';

export class Linear extends Module {
  readonly W: Tensor;
  readonly b: Tensor | null;

  constructor(
    readonly inDim: number,
    readonly outDim: number,
    rng: Rng,
    bias = true,
  ) {
    super();
    this.W = this.param('W', Tensor.param(heUniform(inDim, outDim, rng)));
    this.b = bias ? this.param('b', Tensor.param(Tensor.uniform([outDim], rng, 1 / Math.sqrt(inDim)))) : null;
  }

  forward(x: Tensor, act: 'relu' | null = null): Tensor {
    if (act && !outputsObserved()) return linear(x, this.W, this.b, act);
    const y = linear(x, this.W, this.b);
    reportOutput(this, y, x); // the raw output, before any activation: what the compressor factorizes
    return act ? relu(y) : y;
  }
}
