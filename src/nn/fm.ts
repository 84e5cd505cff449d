/**
 * Factorization-machine pairwise term, by the sum-square trick:
 * sum_{i<j} <e_i, e_j> = 0.5 * sum_d [ (sum_i e_id)^2 - sum_i e_id^2 ].  [B, F, D] -> [B].
 */
import { fmPairs, mul, observed, scale, sub, sum } from '../autograd/index.js';
import type { Tensor } from '../tensor/tensor.js';

export function fmPairwise(emb: Tensor): Tensor {
  // One fused op, except while observed: tracing and export then see the term as plain ops.
  if (!observed()) return fmPairs(emb);
  const s = sum(emb, 1); // [B, D]
  const squareOfSum = mul(s, s);
  const sumOfSquares = sum(mul(emb, emb), 1);
  return scale(sum(sub(squareOfSum, sumOfSquares), 1), 0.5);
}
