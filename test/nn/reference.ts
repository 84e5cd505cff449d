/** Plain float64 reference math for layer tests (row-major arrays, one example at a time). */
import type { Tensor } from '../../src/tensor/tensor.js';

export type Vec = number[];

/** Row `r` of a [rows, n] tensor as a plain array. */
export function row(t: Tensor, r: number): Vec {
  const n = t.shape[t.rank - 1];
  return Array.from(t.data.subarray(r * n, (r + 1) * n));
}

/** x W (+ b) for W stored [in, out], as Linear does. */
export function affine(x: Vec, W: Tensor, b: Tensor | null = null): Vec {
  const [din, dout] = W.shape,
    w = W.data;
  const y = Array.from({ length: dout }, (_, j) => (b ? b.data[j] : 0));
  for (let i = 0; i < din; i++) for (let j = 0; j < dout; j++) y[j] += x[i] * w[i * dout + j];
  return y;
}

export const vmap = (a: Vec, f: (v: number, i: number) => number): Vec => a.map(f);
export const vadd = (a: Vec, b: Vec): Vec => a.map((v, i) => v + b[i]);
export const vmul = (a: Vec, b: Vec): Vec => a.map((v, i) => v * b[i]);

export function assertClose(got: ArrayLike<number>, want: ArrayLike<number>, what: string, tol = 1e-4): void {
  if (got.length !== want.length) throw new Error(`${what}: length ${got.length} vs ${want.length}`);
  for (let i = 0; i < want.length; i++) {
    if (!(Math.abs(got[i] - want[i]) <= tol * (1 + Math.abs(want[i]))))
      throw new Error(`${what}: entry ${i}: ${got[i]} vs ${want[i]}`);
  }
}
