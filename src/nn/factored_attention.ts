/**
 * Self-attention over fields computed in the space of factored projections: the path a
 * MultiHeadSelfAttention takes once the compressor has replaced its projections with
 * LowRankLinear layers (AFM or SVD, no activation between the factors).
 *
 * Write each projection as z_P = x A_P + a_P (k_P wide) and P = z_P U_P + u_P; a plain Linear is
 * the case A = I. Head h's logits (Q_h K_h^T) expand into
 *   (z_Q U_Qh + u_Qh)(z_K U_Kh + u_Kh)^T
 *     = [x A_Q M_h + a_Q M_h + u_Qh U_Kh^T] z_K^T  +  (terms constant along the key axis),
 * with M_h = U_Qh U_Kh^T (k_Q x k_K). The softmax over keys cancels the constant terms, so the logits
 * need only a k_K-wide query per head and the shared k_K-wide keys. Rows of the softmax sum to one,
 * so softmax(.) V_h = (softmax(.) z_V) U_Vh + u_Vh: the weighted sum runs over k_V-wide values and
 * one product with a block-diagonal [U_V1 .. U_VH] (plus U_R for the residual) brings the heads back
 * to the layer's width. Per field and head this costs F * (k_K + k_V) multiply-adds instead of
 * F * 2 * headDim, and the projections shrink with the ranks. The result equals the unfactored
 * computation up to rounding, gradients included (the dropped terms have zero gradient anyway).
 */
import { add, concat, fieldAttention, linear, matmul, reshape, slice } from '../autograd/index.js';
import { Tensor } from '../tensor/tensor.js';
import { Linear } from './linear.js';
import { LowRankLinear } from './low_rank_linear.js';
import type { LinearLike } from './mlp.js';

/** A projection as x -> z = x A + a -> z U + u (A null: z = x). */
interface Factored {
  A: Tensor | null;
  a: Tensor | null;
  U: Tensor;
  u: Tensor | null;
  k: number;
}

function factored(l: LinearLike): Factored | null {
  if (l instanceof LowRankLinear)
    return l.activation === 'none' ? { A: l.down.W, a: l.down.b, U: l.up.W, u: l.up.b, k: l.rank } : null;
  if (l instanceof Linear) return { A: null, a: null, U: l.W, u: l.b, k: l.inDim };
  return null;
}

export interface FactoredAttention {
  q: Factored;
  k: Factored;
  v: Factored;
  res: Factored | null;
  /** Common head width of the factored logits and values: max(k_K, k_V), rounded up to a multiple of 4. */
  r: number;
}

/**
 * The factored form of a layer's projections, or null when it would not pay: some projection is
 * not a (low-rank) linear map, none is factored, or the factored heads are no narrower than headDim.
 */
export function factorAttention(
  q: LinearLike,
  k: LinearLike,
  v: LinearLike,
  res: LinearLike | null,
  headDim: number,
): FactoredAttention | null {
  if (![q, k, v, res].some((l) => l instanceof LowRankLinear)) return null;
  const fq = factored(q),
    fk = factored(k),
    fv = factored(v),
    fr = res ? factored(res) : null;
  if (!fq || !fk || !fv || (res && !fr)) return null;
  // Padded to whole SIMD vectors: the attention kernel's inner loops run 4 and 8 floats at a time.
  const r = Math.ceil(Math.max(fk.k, fv.k) / 4) * 4;
  return r < headDim ? { q: fq, k: fk, v: fv, res: fr, r } : null;
}

/** The products a factored layer runs with, built from its parameters (differentiably). */
export interface FactoredWeights {
  /** in -> [per-head logit queries | keys per head | values per head], each r wide. */
  qkvW: Tensor;
  qkvB: Tensor;
  /** [heads * r values | the residual's k_R] -> heads * headDim. */
  outW: Tensor;
  outB: Tensor | null;
  /** The residual's first factor (A null: the input itself), or no residual. */
  res: { A: Tensor | null; a: Tensor | null } | null;
  r: number;
}

export function assembleFactored(f: FactoredAttention, inDim: number, heads: number, headDim: number): FactoredWeights {
  const { r } = f;
  const zeros = (...shape: number[]): Tensor[] => (shape.every((n) => n > 0) ? [Tensor.zeros(shape)] : []);
  const head = (t: Tensor, h: number, axis: number): Tensor => slice(t, axis, h * headDim, (h + 1) * headDim);
  // Logit, key and value blocks of one GEMM, each padded to r columns.
  const Wcols: Tensor[] = [],
    bcols: Tensor[] = [];
  const pad = (W: Tensor, b: Tensor, k: number): void => {
    Wcols.push(W, ...zeros(inDim, r - k));
    bcols.push(b, ...zeros(r - k));
  };
  for (let h = 0; h < heads; h++) {
    const UKh = head(f.k.U, h, 1);
    const M = matmul(head(f.q.U, h, 1), UKh, false, true); // k_Q x k_K
    let b = f.q.a ? reshape(matmul(reshape(f.q.a, [1, f.q.k]), M), [f.k.k]) : Tensor.zeros([f.k.k]);
    if (f.q.u) b = add(b, reshape(matmul(reshape(head(f.q.u, h, 0), [1, headDim]), UKh, false, true), [f.k.k]));
    pad(f.q.A ? matmul(f.q.A, M) : M, b, f.k.k);
  }
  for (const p of [f.k, f.v]) {
    const W = p.A ?? identity(inDim),
      b = p.a ?? Tensor.zeros([p.k]); // shared by every head
    for (let h = 0; h < heads; h++) pad(W, b, p.k);
  }
  // Block-diagonal value up-projection, then the residual's, as one product.
  const blocks: Tensor[] = [];
  for (let h = 0; h < heads; h++)
    blocks.push(
      concat([...zeros(h * r, headDim), head(f.v.U, h, 1), ...zeros(r - f.v.k + (heads - h - 1) * r, headDim)], 0),
    );
  const biases = [f.v.u, f.res?.u ?? null].filter((t): t is Tensor => t !== null);
  return {
    qkvW: concat(Wcols, 1),
    qkvB: concat(bcols, 0),
    outW: f.res ? concat([concat(blocks, 1), f.res.U], 0) : concat(blocks, 1),
    outB: biases.length === 2 ? add(biases[0], biases[1]) : (biases[0] ?? null),
    res: f.res ? { A: f.res.A, a: f.res.a } : null,
    r,
  };
}

/** x [.., in] -> the layer's pre-activation output [.., heads * headDim] (see the file comment). */
export function factoredAttention(x: Tensor, w: FactoredWeights, heads: number, scale: number): Tensor {
  const att = fieldAttention(linear(x, w.qkvW, w.qkvB), heads, w.r, scale, false); // [.., heads * r]: softmax(.) z_V per head
  const input = w.res ? concat([att, w.res.A ? linear(x, w.res.A, w.res.a) : x], x.rank - 1) : att;
  return linear(input, w.outW, w.outB);
}

function identity(n: number): Tensor {
  const I = Tensor.zeros([n, n]);
  for (let i = 0; i < n; i++) I.data[i * n + i] = 1;
  return I;
}
