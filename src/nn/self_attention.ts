/**
 * Multi-head self-attention over fields with a residual connection (AutoInt, Song et al., CIKM
 * 2019): per head, Q/K/V = x W_Q/K/V (no bias), softmax(Q K^T / sqrt(d_head)) V; heads are
 * concatenated, the projected input x W_res added, then (optionally) layer norm, then ReLU.
 * [B, F, in] -> [B, F, heads * headDim]. The four projections run as one GEMM (their weights side by
 * side) and the attention itself as one fused op (autograd/ops/attention.ts).
 */
import { concat, fieldAttention, layerNorm, linear, relu } from '../autograd/index.js';
import type { Rng } from '../tensor/rng.js';
import { Tensor } from '../tensor/tensor.js';
import { ShapeError } from '../util/errors.js';
import { Linear, linearObserved } from './linear.js';
import { Module } from './module.js';

export interface SelfAttentionOptions {
  heads: number;
  headDim: number;
  /** Add x W_res before the activation (default true). */
  residual?: boolean;
  /** Layer norm over the output width before the activation (default false). */
  layerNorm?: boolean;
  /** Scale the logits by 1 / sqrt(headDim) (default true; the AutoInt paper does not scale). */
  scaled?: boolean;
}

export class MultiHeadSelfAttention extends Module {
  readonly query: Linear;
  readonly key: Linear;
  readonly value: Linear;
  readonly res: Linear | null;
  readonly gamma: Tensor | null;
  readonly beta: Tensor | null;
  readonly heads: number;
  readonly headDim: number;
  readonly outDim: number;
  private readonly scaled: boolean;

  constructor(readonly inDim: number, o: SelfAttentionOptions, rng: Rng) {
    super();
    this.heads = o.heads;
    this.headDim = o.headDim;
    this.outDim = o.heads * o.headDim;
    this.scaled = o.scaled ?? true;
    this.query = this.module('query', new Linear(inDim, this.outDim, rng, false));
    this.key = this.module('key', new Linear(inDim, this.outDim, rng, false));
    this.value = this.module('value', new Linear(inDim, this.outDim, rng, false));
    this.res = o.residual ?? true ? this.module('res', new Linear(inDim, this.outDim, rng, false)) : null;
    const norm = o.layerNorm ?? false;
    this.gamma = norm ? this.param('gamma', Tensor.param(Tensor.full([this.outDim], 1))) : null;
    this.beta = norm ? this.param('beta', Tensor.param(Tensor.zeros([this.outDim]))) : null;
  }

  forward(x: Tensor): Tensor {
    const din = x.shape[x.rank - 1];
    if (x.rank !== 3 || din !== this.inDim) throw new ShapeError(`MultiHeadSelfAttention: expected [B, F, ${this.inDim}], got [${x.shape}]`);
    const layers = this.res ? [this.query, this.key, this.value, this.res] : [this.query, this.key, this.value];
    // Plain bias-free Linears fold into one product; otherwise (compressed layers, the compressor's
    // statistics pass) each runs on its own and the outputs are joined.
    const fold = !linearObserved() && layers.every((l) => l instanceof Linear && l.b === null);
    const qkv = fold ? linear(x, concat(layers.map((l) => l.W), 1), null) : concat(layers.map((l) => l.forward(x)), 2);
    let out = fieldAttention(qkv, this.heads, this.headDim, this.scaled ? 1 / Math.sqrt(this.headDim) : 1, this.res !== null);
    if (this.gamma && this.beta) out = layerNorm(out, this.gamma, this.beta);
    return relu(out);
  }
}
