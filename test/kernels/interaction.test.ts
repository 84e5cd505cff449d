/**
 * The interaction kernels (fused attention, bilinear pair products, cross layer) against
 * compositions of plain ops (slices, bmm, softmax, permutes, gathers, broadcast products), at sizes that exercise every SIMD path and tail,
 * in both kernel builds and at 1 and 2 threads (which must agree exactly).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as ag from '../../src/autograd/index.js';
import { initEngine } from '../../src/kernels/engine.js';
import { Rng } from '../../src/tensor/rng.js';
import { Tensor, tidy } from '../../src/tensor/tensor.js';

after(async () => {
  await initEngine();
});

function rand(shape: number[], rng: Rng): Tensor {
  const t = new Tensor(shape);
  t.data.forEach((_, i, a) => (a[i] = rng.next() * 2 - 1));
  t.requiresGrad = true;
  t.isParam = true;
  return t;
}

/** Output and input gradients of f for seed gradient R (all as plain arrays). */
function run(f: (xs: Tensor[]) => Tensor, xs: Tensor[], seed: number): Float32Array[] {
  return tidy(() => {
    for (const x of xs) x.grad = null;
    const out = f(xs);
    const r = new Rng(seed);
    ag.backward(
      out,
      Tensor.from(
        Array.from({ length: out.size }, () => r.next() - 0.5),
        out.shape,
      ),
    );
    const res = [out.toArray(), ...xs.map((x) => x.grad!.toArray())];
    for (const x of xs) x.grad = null;
    return res;
  });
}

function close(got: Float32Array[], want: Float32Array[], what: string, tol = 2e-5): void {
  got.forEach((g, k) =>
    g.forEach((v, i) => {
      const w = want[k][i];
      assert.ok(Math.abs(v - w) <= tol * (1 + Math.abs(w)), `${what}: array ${k} entry ${i}: ${v} vs ${w}`);
    }),
  );
}

function attentionByOps(qkv: Tensor, H: number, dh: number, scale: number, residual: boolean): Tensor {
  const HD = H * dh;
  const heads: Tensor[] = [];
  for (let h = 0; h < H; h++) {
    const part = (blk: number): Tensor => ag.slice(qkv, 2, blk * HD + h * dh, blk * HD + (h + 1) * dh);
    const p = ag.softmax(ag.scale(ag.bmm(part(0), part(1), false, true), scale));
    heads.push(ag.bmm(p, part(2)));
  }
  const out = ag.concat(heads, 2);
  return residual ? ag.add(out, ag.slice(qkv, 2, 3 * HD, 4 * HD)) : out;
}

function bilinearByOps(emb: Tensor, W: Tensor, type: number): Tensor {
  const F = emb.shape[1];
  const left: number[] = [],
    right: number[] = [];
  for (let i = 0; i < F; i++)
    for (let j = i + 1; j < F; j++) {
      left.push(i);
      right.push(j);
    }
  const byField = ag.permute(emb, [1, 0, 2]);
  const vi = ag.gatherRows(byField, Int32Array.from(left)),
    vj = ag.gatherRows(byField, Int32Array.from(right));
  const viW =
    type === 0 ? ag.linear(vi, W, null) : ag.bmm(vi, type === 1 ? ag.gatherRows(W, Int32Array.from(left)) : W);
  return ag.permute(ag.mul(viW, vj), [1, 0, 2]);
}

for (const variant of ['relaxed-simd', 'simd128'] as const) {
  test(`fused attention matches slices + bmm + softmax, any thread count (${variant})`, async () => {
    // The last case has large logits (down to x - max ~ -500: exp's clamp and underflow).
    const cases: [number, number, number, number, boolean, number][] = [
      [3, 7, 2, 8, true, 0.3],
      [5, 9, 1, 13, false, 0.3],
      [2, 4, 3, 4, true, 0.3],
      [4, 6, 2, 3, true, 0.3],
      [2, 6, 1, 8, false, 30],
    ];
    for (const [B, F, H, dh, residual, scale] of cases) {
      const byThreads: Float32Array[][] = [];
      for (const threads of [1, 2]) {
        await initEngine({ variant, threads });
        const qkv = rand([B, F, (residual ? 4 : 3) * H * dh], new Rng(B * 100 + F));
        const got = run(([x]) => ag.fieldAttention(x, H, dh, scale, residual), [qkv], 5);
        close(
          got,
          run(([x]) => attentionByOps(x, H, dh, scale, residual), [qkv], 5),
          `attention ${B},${F},${H},${dh} scale ${scale}`,
          scale > 1 ? 2e-4 : 2e-5,
        );
        // Without gradients the probabilities are not kept (scratch per thread): same output.
        assert.deepEqual(
          ag.noGrad(() => tidy(() => ag.fieldAttention(qkv, H, dh, scale, residual).toArray())),
          got[0],
        );
        byThreads.push(got);
      }
      byThreads[1].forEach((a, k) => assert.deepEqual(a, byThreads[0][k], 'thread counts disagree'));
    }
  });

  test(`fused bilinear pairs match permute + gather + matmul + mul, any thread count (${variant})`, async () => {
    for (const [B, F, D] of [
      [3, 5, 8],
      [4, 6, 7],
      [2, 2, 4],
      [5, 4, 1],
    ]) {
      const P = (F * (F - 1)) / 2;
      for (const type of [0, 1, 2]) {
        const byThreads: Float32Array[][] = [];
        for (const threads of [1, 2]) {
          await initEngine({ variant, threads });
          const r = new Rng(B * 10 + F + type);
          const emb = rand([B, F, D], r),
            W = rand(type === 0 ? [D, D] : [type === 1 ? F - 1 : P, D, D], r);
          const got = run(([x, w]) => ag.bilinearPairs(x, w), [emb, W], 7);
          close(
            got,
            run(([x, w]) => bilinearByOps(x, w, type), [emb, W], 7),
            `bilinear ${B},${F},${D} type ${type}`,
          );
          byThreads.push(got);
        }
        byThreads[1].forEach((a, k) => assert.deepEqual(a, byThreads[0][k], 'thread counts disagree'));
      }
    }
  });
  test(`fused cross layer matches matmul + broadcast mul + adds, any thread count (${variant})`, async () => {
    for (const [B, d] of [
      [5, 13],
      [3, 8],
      [2, 3],
    ]) {
      const byThreads: Float32Array[][] = [];
      for (const threads of [1, 2]) {
        await initEngine({ variant, threads });
        const r = new Rng(B * 7 + d);
        const xs = [rand([B, d], r), rand([B, d], r), rand([d, 1], r), rand([d], r)];
        const got = run(([x0, x, w, b]) => ag.crossLayer(x0, x, w, b), xs, 3);
        close(
          got,
          run(([x0, x, w, b]) => ag.add(ag.add(ag.mul(x0, ag.matmul(x, w)), b), x), xs, 3),
          `cross ${B}x${d}`,
        );
        byThreads.push(got);
      }
      byThreads[1].forEach((a, k) => assert.deepEqual(a, byThreads[0][k], 'thread counts disagree'));
    }
  });
}
