import { test } from 'node:test';
import assert from 'node:assert/strict';
import { symmetricEigen } from '../../src/compress/eigen.js';
import { Rng } from '../../src/tensor/rng.js';

function randomSym(n: number, rng: Rng, rank = n): Float64Array {
  // A = B B^T with B n x rank: symmetric positive semi-definite with the given rank.
  const b = Float64Array.from({ length: n * rank }, () => rng.normal());
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let k = 0; k < rank; k++) s += b[i * rank + k] * b[j * rank + k];
      a[i * n + j] = a[j * n + i] = s;
    }
  return a;
}

function check(a: Float64Array, n: number, tol: number): void {
  const { values, vectors } = symmetricEigen(a, n);
  for (let j = 1; j < n; j++) assert.ok(values[j] <= values[j - 1], 'descending');
  let scale = 0;
  for (const v of a) scale = Math.max(scale, Math.abs(v));
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let dot = 0,
        rec = 0;
      for (let k = 0; k < n; k++) {
        dot += vectors[k * n + i] * vectors[k * n + j];
        rec += vectors[i * n + k] * values[k] * vectors[j * n + k];
      }
      assert.ok(Math.abs(dot - (i === j ? 1 : 0)) < tol, `orthonormality (${i}, ${j}): ${dot}`);
      assert.ok(
        Math.abs(rec - a[i * n + j]) < tol * (1 + scale),
        `reconstruction (${i}, ${j}): ${rec} vs ${a[i * n + j]}`,
      );
    }
}

test('eigendecomposition of random symmetric matrices: orthonormal, reconstructs, descending', () => {
  const rng = new Rng(4);
  for (const n of [1, 2, 3, 7, 40]) check(randomSym(n, rng), n, 1e-9);
  check(randomSym(120, rng), 120, 1e-8);
});

test('rank-deficient, repeated and zero spectra', () => {
  const rng = new Rng(5);
  const lowRank = randomSym(30, rng, 3);
  check(lowRank, 30, 1e-9);
  const { values } = symmetricEigen(lowRank, 30);
  for (let j = 3; j < 30; j++) assert.ok(Math.abs(values[j]) < 1e-8 * values[0], `eigenvalue ${j} = ${values[j]}`);
  const identity = Float64Array.from({ length: 25 }, (_, i) => (i % 6 === 0 ? 2 : 0));
  check(identity, 5, 1e-12);
  check(new Float64Array(16), 4, 1e-12);
  // Known spectrum: [[2,1],[1,2]] has eigenvalues 3 and 1.
  const { values: v2 } = symmetricEigen([2, 1, 1, 2], 2);
  assert.ok(Math.abs(v2[0] - 3) < 1e-12 && Math.abs(v2[1] - 1) < 1e-12);
});

test('refuses non-symmetric or non-finite input', () => {
  assert.throws(() => symmetricEigen([1, 2, 3, 4], 2), /not symmetric/);
  assert.throws(() => symmetricEigen([1, NaN, NaN, 1], 2), /not symmetric and finite/);
});
