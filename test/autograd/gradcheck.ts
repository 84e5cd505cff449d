/**
 * Central finite-difference gradient checks. The objective is sum(f(inputs) * R) for a fixed random
 * R, accumulated in float64; the analytic gradient comes from backward with R as the seed.
 */
import assert from 'node:assert/strict';
import { backward, noGrad } from '../../src/autograd/index.js';
import { Rng } from '../../src/tensor/rng.js';
import { Tensor, tidy } from '../../src/tensor/tensor.js';

export interface CheckOptions {
  eps?: number;
  rtol?: number;
  atol?: number;
  /** Check at most this many entries per input (sampled). */
  maxEntries?: number;
  seed?: number;
}

function objective(out: Tensor, r: Float64Array): number {
  const d = out.data;
  let s = 0;
  for (let i = 0; i < d.length; i++) s += d[i] * r[i];
  return s;
}

/** Checks d sum(f(xs) * R) / dx for every input x in `inputs` (each must requireGrad). */
export function gradcheck(name: string, f: (xs: Tensor[]) => Tensor, inputs: Tensor[], o: CheckOptions = {}): void {
  const eps = o.eps ?? 1e-2,
    rtol = o.rtol ?? 2e-2,
    atol = o.atol ?? 2e-3;
  const rng = new Rng(o.seed ?? 11);
  tidy(() => {
    for (const x of inputs) {
      x.requiresGrad = true;
      x.isParam = true;
      x.grad = null;
    }
    const out = f(inputs);
    const r = new Float64Array(out.size).map(() => rng.next() * 2 - 1);
    backward(out, Tensor.from(r, out.shape));
    for (const [k, x] of inputs.entries()) {
      assert.ok(x.grad, `${name}: input ${k} got no gradient`);
      const analytic = Float64Array.from(x.grad.data);
      const d = x.data;
      const n = Math.min(d.length, o.maxEntries ?? 64);
      const picks = d.length <= n ? [...Array(d.length).keys()] : Array.from({ length: n }, () => rng.int(d.length));
      for (const i of picks) {
        const v = d[i];
        const at = (val: number): number => {
          d[i] = val;
          return noGrad(() => tidy(() => objective(f(inputs), r)));
        };
        const num = (at(v + eps) - at(v - eps)) / (2 * eps);
        d[i] = v;
        const a = analytic[i];
        assert.ok(
          Math.abs(a - num) <= atol + rtol * Math.abs(num),
          `${name}: input ${k} [${x.shape}] entry ${i}: analytic ${a.toFixed(6)} vs numeric ${num.toFixed(6)}`,
        );
      }
    }
    for (const x of inputs) x.grad = null;
  });
}

/** A tensor of `shape` with values in ±[lo, hi] (kept away from 0 so kinks like relu's are not straddled). */
export function randAway(shape: number[], rng: Rng, lo = 0.1, hi = 1): Tensor {
  const t = new Tensor(shape);
  const d = t.data;
  for (let i = 0; i < d.length; i++) d[i] = (rng.next() < 0.5 ? -1 : 1) * (lo + (hi - lo) * rng.next());
  return t;
}

/** Random shape of `rank` with sizes in [1, max] (size-1 edges included by chance and by `ones`). */
export function randShape(rng: Rng, rank: number, max = 5): number[] {
  return Array.from({ length: rank }, () => 1 + rng.int(max));
}
