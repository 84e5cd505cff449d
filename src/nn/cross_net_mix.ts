/**
 * Low-rank mixture-of-experts cross network of DCN-V2 (Wang et al., 2021, Sec. "Cost-effective
 * mixture of low-rank DCN"): per layer, K experts E_k(x_l) = U_k g(C_k g(V_k^T x_l)) with rank r and
 * g = tanh, mixed by a softmax gate over the experts, then crossed with x0:
 *   x_{l+1} = x0 ⊙ (sum_k G_k(x_l) E_k(x_l) + b_l) + x_l.
 * (The paper puts x0 ⊙ (. + b_l) inside each expert; the gates sum to 1, so that is the same value.)
 * Every matrix is a bias-free Linear sub-module (`layer0.expert0.V`, `.C`, `.U`, `layer0.gate`).
 */
import { add, addN, mul, slice, softmax, tanh } from '../autograd/index.js';
import type { Rng } from '../tensor/rng.js';
import { Tensor } from '../tensor/tensor.js';
import { Linear } from './linear.js';
import type { LinearLike } from './mlp.js';
import { Module } from './module.js';

/** One expert: dim -> rank -> rank -> dim, tanh between. */
export class LowRankExpert extends Module {
  V: LinearLike;
  C: LinearLike;
  U: LinearLike;

  constructor(dim: number, rank: number, rng: Rng) {
    super();
    this.V = this.swappable('V', new Linear(dim, rank, rng, false), (m) => (this.V = m));
    this.C = this.swappable('C', new Linear(rank, rank, rng, false), (m) => (this.C = m));
    this.U = this.swappable('U', new Linear(rank, dim, rng, false), (m) => (this.U = m));
  }

  forward(x: Tensor): Tensor {
    return this.U.forward(tanh(this.C.forward(tanh(this.V.forward(x)))));
  }
}

/** One cross layer with K low-rank experts and a softmax gate. */
export class CrossMixLayer extends Module {
  readonly experts: LowRankExpert[] = [];
  /** Gate logits for all experts at once: [dim] -> [K] (one bias-free score per expert). */
  gate: Linear;
  readonly bias: Tensor;

  constructor(
    readonly dim: number,
    rank: number,
    numExperts: number,
    rng: Rng,
  ) {
    super();
    for (let k = 0; k < numExperts; k++)
      this.experts.push(this.module(`expert${k}`, new LowRankExpert(dim, rank, rng)));
    this.gate = this.swappable('gate', new Linear(dim, numExperts, rng, false), (m) => (this.gate = m));
    this.bias = this.param('bias', Tensor.param(Tensor.zeros([dim])));
  }

  forward(x0: Tensor, x: Tensor): Tensor {
    const gates = softmax(this.gate.forward(x)); // [B, K]
    const mixed = addN(this.experts.map((e, k) => mul(slice(gates, 1, k, k + 1), e.forward(x))));
    return add(mul(x0, add(mixed, this.bias)), x);
  }
}

export class CrossNetMix extends Module {
  readonly layers: CrossMixLayer[] = [];

  constructor(
    readonly dim: number,
    readonly numLayers: number,
    readonly rank: number,
    readonly numExperts: number,
    rng: Rng,
  ) {
    super();
    for (let l = 0; l < numLayers; l++)
      this.layers.push(this.module(`layer${l}`, new CrossMixLayer(dim, rank, numExperts, rng)));
  }

  forward(x0: Tensor): Tensor {
    let x = x0;
    for (const layer of this.layers) x = layer.forward(x0, x);
    return x;
  }
}
