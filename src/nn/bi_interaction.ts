/**
 * Bi-interaction pooling of NFM (He and Chua, 2017, "Neural Factorization Machines"):
 * 0.5 * [ (sum_i e_i)^2 - sum_i e_i^2 ], elementwise, i.e. sum_{i<j} e_i ⊙ e_j kept as a vector.
 * [B, F, D] -> [B, D]. Summing the result over D gives the FM pairwise term (autograd's fmPairs).
 */
import { mul, scale, sub, sum } from '../autograd/index.js';
import type { Tensor } from '../tensor/tensor.js';

export function biInteraction(emb: Tensor): Tensor {
  const s = sum(emb, 1); // [B, D]
  return scale(sub(mul(s, s), sum(mul(emb, emb), 1)), 0.5);
}
