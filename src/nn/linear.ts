/** Fully connected layer y = x W + b, W stored [in, out]. The unit the compressor factorizes. */
import { linear } from '../autograd/index.js';
import type { Rng } from '../tensor/rng.js';
import { Tensor } from '../tensor/tensor.js';
import { heUniform } from './init.js';
import { Module } from './module.js';

/** Sees every Linear's raw output (before any activation) while set: the compressor's statistics pass. */
export type LinearObserver = (layer: Linear, y: Tensor) => void;
let observer: LinearObserver | null = null;

export function setLinearObserver(fn: LinearObserver | null): void {
  observer = fn;
}

/** True while an observer watches every Linear's output (layers must then run one by one). */
export function linearObserved(): boolean {
  return observer !== null;
}

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

  forward(x: Tensor): Tensor {
    const y = linear(x, this.W, this.b);
    if (observer) observer(this, y);
    return y;
  }
}
