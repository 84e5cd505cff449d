/**
 * Multi-head self-attention over fields with a residual connection (AutoInt, Song et al., CIKM
 * 2019): per head, Q/K/V = x W_Q/K/V (no bias), softmax(Q K^T / sqrt(d_head)) V; heads are
 * concatenated, the projected input x W_res added, then (optionally) layer norm, then ReLU.
 * [B, F, in] -> [B, F, heads * headDim]. The four projections run as one GEMM (their weights side by
 * side) and the attention itself as one fused op (autograd/ops/attention.ts). Once the compressor has
 * factored the projections, the layer computes in the factors' space instead (factored_attention.ts).
 * An observer (autograd/observe.ts) sees each projection's output on either path.
 */
import {
  concat,
  fieldAttention,
  isGradEnabled,
  layerNorm,
  linear,
  outputsObserved,
  relu,
  reportOutput,
  slice,
} from '../autograd/index.js';
import type { Rng } from '../tensor/rng.js';
import { currentWeightsVersion, keep, Tensor, tidy } from '../tensor/tensor.js';
import { ShapeError } from '../util/errors.js';
import { assembleFactored, factorAttention, factoredAttention, type FactoredWeights } from './factored_attention.js';
import { Linear } from './linear.js';
import type { LinearLike } from './mlp.js';
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
  // Linear when built; the compressor may swap in LowRankLinear layers (Module.replace).
  query: LinearLike;
  key: LinearLike;
  value: LinearLike;
  res: LinearLike | null;
  readonly gamma: Tensor | null;
  readonly beta: Tensor | null;
  readonly heads: number;
  readonly headDim: number;
  readonly outDim: number;
  private readonly scaled: boolean;
  /** Compute in the factors' space once projections are factored (false: run them as they are, the reference path). */
  factored = true;
  /** Factored weights kept across inference calls (eval mode, no gradients); dropped on any other call. */
  private frozen: { of: LinearLike[]; version: number; w: FactoredWeights } | null = null;

  constructor(
    readonly inDim: number,
    o: SelfAttentionOptions,
    rng: Rng,
  ) {
    super();
    this.heads = o.heads;
    this.headDim = o.headDim;
    this.outDim = o.heads * o.headDim;
    this.scaled = o.scaled ?? true;
    this.query = this.swappable('query', new Linear(inDim, this.outDim, rng, false), (m) => (this.query = m));
    this.key = this.swappable('key', new Linear(inDim, this.outDim, rng, false), (m) => (this.key = m));
    this.value = this.swappable('value', new Linear(inDim, this.outDim, rng, false), (m) => (this.value = m));
    this.res =
      (o.residual ?? true)
        ? this.swappable('res', new Linear(inDim, this.outDim, rng, false), (m) => (this.res = m))
        : null;
    const norm = o.layerNorm ?? false;
    this.gamma = norm ? this.param('gamma', Tensor.param(Tensor.full([this.outDim], 1))) : null;
    this.beta = norm ? this.param('beta', Tensor.param(Tensor.zeros([this.outDim]))) : null;
  }

  forward(x: Tensor): Tensor {
    const din = x.shape[x.rank - 1];
    if (x.rank !== 3 || din !== this.inDim)
      throw new ShapeError(`MultiHeadSelfAttention: expected [B, F, ${this.inDim}], got [${x.shape}]`);
    const scale = this.scaled ? 1 / Math.sqrt(this.headDim) : 1;
    const w = this.factored ? this.factoredWeights() : null;
    let out = w ? factoredAttention(x, w, this.heads, scale) : this.attend(x, scale);
    // The factored form never forms the projections' outputs: an observer gets them computed on the side.
    if (w && outputsObserved()) for (const l of this.projections()) l.forward(x);
    if (this.gamma && this.beta) out = layerNorm(out, this.gamma, this.beta);
    return relu(out);
  }

  /**
   * The factored form's weights when the projections are factored (else null). Serving reuses them
   * from call to call; they are rebuilt after any call in training mode or with gradients on, when
   * a projection was replaced, and when the weights changed in place (currentWeightsVersion: an
   * optimizer step, best weights restored, a model file loaded).
   */
  private factoredWeights(): FactoredWeights | null {
    const of = this.projections();
    const inference = !this.training && !isGradEnabled();
    const version = currentWeightsVersion();
    if (inference && this.frozen?.version === version && this.frozen.of.every((l, i) => l === of[i]))
      return this.frozen.w;
    this.release();
    const f = factorAttention(this.query, this.key, this.value, this.res, this.headDim);
    if (!f) return null;
    if (!inference) return assembleFactored(f, this.inDim, this.heads, this.headDim);
    const w = tidy(() => assembleFactored(f, this.inDim, this.heads, this.headDim));
    for (const t of built(w)) keep(t);
    this.frozen = { of, version, w };
    return w;
  }

  private release(): void {
    for (const t of this.frozen ? built(this.frozen.w) : []) t.dispose();
    this.frozen = null;
  }

  private projections(): LinearLike[] {
    return this.res ? [this.query, this.key, this.value, this.res] : [this.query, this.key, this.value];
  }

  /** Projections (one GEMM when they are plain Linears), then the fused attention op. */
  private attend(x: Tensor, scale: number): Tensor {
    const layers = this.projections();
    // Plain bias-free Linears fold into one product; otherwise (compressed layers) each runs on its own and the outputs are joined.
    const plain = layers.filter((l): l is Linear => l instanceof Linear && l.b === null);
    let qkv: Tensor;
    if (plain.length === layers.length) {
      qkv = linear(
        x,
        concat(
          plain.map((l) => l.W),
          1,
        ),
        null,
      );
      const d = this.outDim;
      if (outputsObserved()) plain.forEach((l, i) => reportOutput(l, slice(qkv, 2, i * d, (i + 1) * d), x));
    } else
      qkv = concat(
        layers.map((l) => l.forward(x)),
        2,
      );
    return fieldAttention(qkv, this.heads, this.headDim, scale, this.res !== null);
  }
}

/** The tensors assembleFactored made (not parameters it passed through): the cache owns these. */
function built(w: FactoredWeights): Tensor[] {
  return [w.qkvW, w.qkvB, w.outW, w.outB].filter((t): t is Tensor => t !== null && !t.isParam);
}
