/**
 * Multi-layer perceptron: Linear -> [BatchNorm] -> activation -> [Dropout] per hidden layer, then
 * an optional output Linear. Each Linear sits in a swappable slot (`layer0`, `layer1`, ..., `out`)
 * where the compressor can install its factorized form.
 */
import { dropout, relu } from '../autograd/index.js';
import type { Rng } from '../tensor/rng.js';
import type { Tensor } from '../tensor/tensor.js';
import { BatchNorm } from './batch_norm.js';
import { Linear } from './linear.js';
import { Module } from './module.js';

export interface MLPOptions {
  hidden: number[];
  /** Output width after the hidden layers (omit for none: the last hidden layer is the output). */
  out?: number;
  dropout?: number;
  batchNorm?: boolean;
}

/** Anything that maps [.., in] -> [.., out] like a Linear (the compressor's low-rank layers too). */
export interface LinearLike extends Module {
  readonly inDim: number;
  readonly outDim: number;
  /** The layer's output, then ReLU if `act` says so (fused where the kernels can). */
  forward(x: Tensor, act?: 'relu' | null): Tensor;
}

export class MLP extends Module {
  layers: LinearLike[] = [];
  readonly norms: (BatchNorm | null)[] = [];
  out: LinearLike | null = null;
  readonly outDim: number;
  private readonly rng: Rng;
  private readonly rate: number;

  constructor(
    readonly inDim: number,
    opts: MLPOptions,
    rng: Rng,
  ) {
    super();
    this.rng = this.randomStream('rng', rng.fork());
    this.rate = opts.dropout ?? 0;
    let d = inDim;
    opts.hidden.forEach((h, i) => {
      this.layers.push(this.swappable(`layer${i}`, new Linear(d, h, rng), (m) => (this.layers[i] = m)));
      this.norms.push(opts.batchNorm ? this.module(`norm${i}`, new BatchNorm(h)) : null);
      d = h;
    });
    if (opts.out !== undefined) {
      this.out = this.swappable('out', new Linear(d, opts.out, rng), (m) => (this.out = m));
      d = opts.out;
    }
    this.outDim = d;
  }

  forward(x: Tensor): Tensor {
    let h = x;
    this.layers.forEach((layer, i) => {
      const norm = this.norms[i];
      h = norm ? relu(norm.forward(layer.forward(h))) : layer.forward(h, 'relu');
      h = dropout(h, this.rate, this.rng, this.training);
    });
    return this.out ? this.out.forward(h) : h;
  }
}
