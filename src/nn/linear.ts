/** Fully connected layer y = x W + b, W stored [in, out]. The unit the compressor factorizes. */
import { isGradEnabled, linear, outputsObserved, relu, reportOutput } from '../autograd/index.js';
import { engine } from '../kernels/engine.js';
import type { Rng } from '../tensor/rng.js';
import { currentWeightsVersion, Tensor } from '../tensor/tensor.js';
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

  /** W in the kernels' packed layout, kept across inference calls, and the weights version it was packed at. */
  private packing: { version: number; ptr: number } | null = null;

  /**
   * W packed for an inference call (eval mode, no gradients), so each product skips packing it;
   * kept from call to call, repacked when the weights changed in place (currentWeightsVersion), and
   * dropped by any call in training mode or with gradients on. 0 outside inference, or when the
   * kernels have no packed layout.
   */
  private packedW(): number {
    const inference = !this.training && !isGradEnabled();
    const version = currentWeightsVersion();
    if (inference && this.packing?.version === version) return this.packing.ptr;
    if (this.packing?.ptr) engine().heap.release(this.packing.ptr);
    this.packing = null; // any other call (training: the weights are about to move) drops it
    if (!inference) return 0;
    const ptr = engine().packB(false, this.inDim, this.outDim, this.W.ptr, this.outDim) ?? 0;
    this.packing = { version, ptr };
    return ptr;
  }

  forward(x: Tensor, act: 'relu' | null = null): Tensor {
    if (act && !outputsObserved()) return linear(x, this.W, this.b, act, this.packedW());
    const y = linear(x, this.W, this.b, null, this.packedW());
    reportOutput(this, y, x); // the raw output, before any activation: what the compressor factorizes
    return act ? relu(y) : y;
  }
}
