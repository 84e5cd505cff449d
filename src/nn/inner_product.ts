/**
 * Pairwise inner products of IPNN (Qu et al., 2016, "Product-based Neural Networks for User
 * Response Prediction"): <e_i, e_j> for every field pair i < j, in row-major upper-triangle order
 * (0,1), (0,2), ..., (1,2), ... [B, F, D] -> [B, F(F-1)/2]. One batched emb @ emb^T gives the
 * [B, F, F] Gram matrices; the upper triangle is picked out of each.
 */
import { bmm, indexSelect, reshape } from '../autograd/index.js';
import type { Tensor } from '../tensor/tensor.js';

const upperIndexCache = new Map<number, Int32Array>();

/** Flat positions i * F + j of the pairs i < j in an F x F matrix. */
export function upperTriangle(F: number): Int32Array {
  let idx = upperIndexCache.get(F);
  if (!idx) {
    idx = new Int32Array((F * (F - 1)) / 2);
    let p = 0;
    for (let i = 0; i < F; i++) for (let j = i + 1; j < F; j++) idx[p++] = i * F + j;
    upperIndexCache.set(F, idx);
  }
  return idx;
}

export function innerProducts(emb: Tensor): Tensor {
  const [B, F] = emb.shape;
  const gram = bmm(emb, emb, false, true); // [B, F, F]
  return indexSelect(reshape(gram, [B, F * F]), 1, upperTriangle(F));
}
