/** Weight initialisers (seeded). */
import type { Rng } from '../tensor/rng.js';
import { Tensor } from '../tensor/tensor.js';

/** He/Kaiming uniform (ReLU networks), as PyTorch's default Linear init uses with a = sqrt(5). */
export function heUniform(fanIn: number, fanOut: number, rng: Rng): Tensor {
  return Tensor.uniform([fanIn, fanOut], rng, 1 / Math.sqrt(fanIn));
}
