import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { afmLayer, afmTable, fuseIntoFirstLayer, svdLayer } from '../../src/compress/factor.js';
import { OutputStats, energyKept, rankForEnergy } from '../../src/compress/stats.js';
import { getEngine } from '../../src/kernels/engine.js';
import { Rng } from '../../src/tensor/rng.js';

before(async () => {
  await getEngine();
});

/** x [n, din] @ W [din, dout] + b, in float64. */
function apply(
  x: Float32Array,
  n: number,
  din: number,
  W: Float32Array,
  b: Float32Array | null,
  dout: number,
): Float64Array {
  const y = new Float64Array(n * dout);
  for (let r = 0; r < n; r++)
    for (let j = 0; j < dout; j++) {
      let s = b ? b[j] : 0;
      for (let i = 0; i < din; i++) s += x[r * din + i] * W[i * dout + j];
      y[r * dout + j] = s;
    }
  return y;
}

/** Inputs whose layer outputs are close to low-rank (as CTR activations are). */
function data(n: number, din: number, rng: Rng): Float32Array {
  const latent = 3;
  const mix = Float64Array.from({ length: latent * din }, () => rng.normal());
  const x = new Float32Array(n * din);
  for (let r = 0; r < n; r++) {
    const z = Array.from({ length: latent }, (_, i) => rng.normal() * (3 - i));
    for (let i = 0; i < din; i++) {
      let s = 0.05 * rng.normal();
      for (let l = 0; l < latent; l++) s += z[l] * mix[l * din + i];
      x[r * din + i] = s;
    }
  }
  return x;
}

test('AFM layer: exact at full rank; at rank k the output error is sqrt(dropped / total energy)', () => {
  const rng = new Rng(8);
  const n = 500,
    din = 12,
    dout = 9;
  const x = data(n, din, rng);
  const W = Float32Array.from({ length: din * dout }, () => rng.normal());
  const b = Float32Array.from({ length: dout }, () => rng.normal());
  const y = apply(x, n, din, W, b, dout);
  const stats = new OutputStats(dout);
  stats.add(Float32Array.from(y), n);
  const eig = stats.eigen(),
    mu = stats.mean();
  for (const k of [dout, 5, 2, 1]) {
    const f = afmLayer(W, b, din, dout, eig, mu, k);
    const h = apply(x, n, din, f.W1, f.b1, k);
    const yk = apply(Float32Array.from(h), n, k, f.W2, f.b2, dout);
    let err = 0,
      total = 0;
    for (let i = 0; i < y.length; i++) {
      err += (yk[i] - y[i]) ** 2;
      total += (y[i] - mu[i % dout]) ** 2;
    }
    const measured = Math.sqrt(err / total),
      predicted = Math.sqrt(1 - energyKept(eig.values, k));
    if (k === dout) assert.ok(Math.sqrt(err / n) < 1e-4, `full rank error ${Math.sqrt(err / n)}`);
    else
      assert.ok(
        Math.abs(measured - predicted) < 2e-3 + 0.01 * predicted,
        `rank ${k}: measured ${measured}, predicted ${predicted}`,
      );
  }
  assert.equal(rankForEnergy(eig.values, 0.999999), dout);
  assert.ok(rankForEnergy(eig.values, 0.9) <= 3);
});

test('SVD layer: exact at full rank, and the best rank-k approximation of W in Frobenius norm', () => {
  const rng = new Rng(9);
  const din = 7,
    dout = 5;
  const W = Float32Array.from({ length: din * dout }, () => rng.normal());
  const full = svdLayer(W, null, din, dout, dout);
  const eye = Float32Array.from({ length: din * din }, (_, i) => (i % (din + 1) === 0 ? 1 : 0));
  const prod = (f: typeof full): Float64Array =>
    apply(Float32Array.from(apply(eye, din, din, f.W1, null, f.rank)), din, f.rank, f.W2, null, dout);
  prod(full).forEach((v, i) => assert.ok(Math.abs(v - W[i]) < 1e-4));
  // Rank 2 error^2 equals the sum of the dropped squared singular values.
  const r2 = prod(svdLayer(W, null, din, dout, 2));
  let err = 0,
    total = 0;
  r2.forEach((v, i) => {
    err += (v - W[i]) ** 2;
    total += W[i] ** 2;
  });
  assert.ok(err < total && err > 0);
});

test('AFM table and fusion into the first layer reproduce the original first-layer output at full rank', () => {
  const rng = new Rng(10);
  const V = 20,
    D = 4,
    F = 2,
    h = 3,
    rest = 2;
  const tables = [0, 1].map(() => Float32Array.from({ length: V * D }, () => rng.normal()));
  const W = Float32Array.from({ length: (F * D + rest) * h }, () => rng.normal());
  const b = Float32Array.from({ length: h }, () => rng.normal());
  const facs = tables.map((E) => {
    const s = new OutputStats(D);
    s.add(E, V);
    return afmTable(E, V, D, s.eigen(), s.mean(), D);
  });
  const fused = fuseIntoFirstLayer(W, b, h, facs, { dim: D, restRows: rest, numeric: null });
  for (let trial = 0; trial < 5; trial++) {
    const ids = [rng.int(V), rng.int(V)],
      extra = [rng.normal(), rng.normal()];
    const xFull = Float32Array.from([
      ...tables[0].subarray(ids[0] * D, ids[0] * D + D),
      ...tables[1].subarray(ids[1] * D, ids[1] * D + D),
      ...extra,
    ]);
    const xSmall = Float32Array.from([
      ...facs[0].table.subarray(ids[0] * D, ids[0] * D + D),
      ...facs[1].table.subarray(ids[1] * D, ids[1] * D + D),
      ...extra,
    ]);
    const want = apply(xFull, 1, F * D + rest, W, b, h),
      got = apply(xSmall, 1, F * D + rest, fused.W, fused.b, h);
    want.forEach((v, i) => assert.ok(Math.abs(v - got[i]) < 1e-4, `${v} vs ${got[i]}`));
  }
});

test('fusion also folds numeric feature vectors: the layer reads each value in place of value x vector', () => {
  const rng = new Rng(12);
  const V = 20,
    D = 4,
    h = 3,
    N = 2,
    rest = N * D + 1; // two embedded numeric features, then one dense value
  const E = Float32Array.from({ length: V * D }, () => rng.normal());
  const vectors = Float32Array.from({ length: N * D }, () => rng.normal());
  const W = Float32Array.from({ length: (D + rest) * h }, () => rng.normal());
  const b = Float32Array.from({ length: h }, () => rng.normal());
  const s = new OutputStats(D);
  s.add(E, V);
  const facs = [afmTable(E, V, D, s.eigen(), s.mean(), D)];
  const fused = fuseIntoFirstLayer(W, b, h, facs, { dim: D, restRows: rest, numeric: vectors });
  assert.equal(fused.W.length, (D + N + 1) * h, 'one row per numeric feature, not D');
  for (let trial = 0; trial < 5; trial++) {
    const id = rng.int(V),
      values = [rng.normal(), rng.normal()],
      extra = rng.normal();
    const numEmb = values.flatMap((v, n) => [...vectors.subarray(n * D, n * D + D)].map((x) => v * x));
    const xFull = Float32Array.from([...E.subarray(id * D, id * D + D), ...numEmb, extra]);
    const xSmall = Float32Array.from([...facs[0].table.subarray(id * D, id * D + D), ...values, extra]);
    const want = apply(xFull, 1, D + rest, W, b, h),
      got = apply(xSmall, 1, D + N + 1, fused.W, fused.b, h);
    want.forEach((v, i) => assert.ok(Math.abs(v - got[i]) < 1e-4, `${v} vs ${got[i]}`));
  }
});

test('statistics merge by addition: two shards equal one pass', () => {
  const rng = new Rng(11);
  const y = Float32Array.from({ length: 300 * 6 }, () => rng.normal());
  const whole = new OutputStats(6);
  whole.add(y, 300);
  const a = new OutputStats(6),
    b = new OutputStats(6);
  a.add(y.subarray(0, 100 * 6), 100);
  b.add(y.subarray(100 * 6), 200);
  a.merge(b);
  assert.equal(a.n, 300);
  a.s2.forEach((v, i) => assert.ok(Math.abs(v - whole.s2[i]) < 1e-3, `s2[${i}]`));
  a.s1.forEach((v, i) => assert.ok(Math.abs(v - whole.s1[i]) < 1e-9));
  assert.throws(() => whole.add(Float32Array.from([NaN, 0, 0, 0, 0, 0]), 1), /non-finite/);
});
