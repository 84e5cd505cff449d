/**
 * The native interaction kernels (native/src/attention.c, interaction.c) against the WebAssembly
 * ones: bit for bit with the simd128 build (whose multiply-adds are a multiply then an add, as in
 * C), on every instruction set this CPU runs, and within rounding of the relaxed-SIMD build (fused
 * multiply-adds); random shapes with edge sizes (1, odd, not multiples of 4 or 16, past the C
 * kernels' 64-column blocks) and example ranges starting past 0. Then the models that call them
 * give identical results on a native engine with 1 and with 2 threads. Skipped where the addon
 * was not built.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backward, bceWithLogits } from '../../src/autograd/index.js';
import { EmbeddingStore } from '../../src/embedding/store.js';
import { Engine, initEngine } from '../../src/kernels/engine.js';
import type { KernelExports } from '../../src/kernels/exports.js';
import { loadNative } from '../../src/kernels/native.js';
import { findModel } from '../../src/models/registry.js';
import { Rng } from '../../src/tensor/rng.js';
import { tidy } from '../../src/tensor/tensor.js';
import { mulberry32 } from '../helpers.js';
import { optionsFor, sliceBatch, tinyData, tinySpec } from '../models/tiny.js';

const { addon, error } = await loadNative();
const skip = addon ? false : `native kernels unavailable: ${error}`;
const isas = addon?.isas() ?? [];

type Kernels = Pick<
  KernelExports,
  | 'attention_forward'
  | 'attention_backward'
  | 'bilinear_forward'
  | 'bilinear_backward'
  | 'cross_forward'
  | 'cross_backward'
>;

/** One kernel call over buffers of `sizes` floats (filled at random, outputs too), given their pointers. */
interface Case {
  what: string;
  sizes: number[];
  run(k: Kernels, at: number[]): void;
  /** Relative tolerance against the relaxed-SIMD build (default 1e-4). */
  tol?: number;
  /** Rewrites the random start (e.g. values far apart, rows that sum to 1). */
  fill?(x: Float32Array, at: number[]): void;
}

/** The first element whose bits differ, as a message (null when all agree). */
function firstDiff(got: Float32Array, want: Float32Array): string | null {
  const a = new Uint32Array(got.buffer, got.byteOffset, got.length),
    b = new Uint32Array(want.buffer, want.byteOffset, want.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return `float ${i}: ${got[i]} vs ${want[i]}`;
  return null;
}

/**
 * Runs each case on the simd128 WebAssembly kernels, on each ISA's native kernels (same memory,
 * same start) and on the relaxed-SIMD build (its own engine, same start); compares every float of
 * the buffers, inputs included, so a write out of place shows too.
 */
async function check(cases: Case[], seed: number): Promise<void> {
  const e = await Engine.create({ threads: 1, backend: 'wasm', variant: 'simd128' });
  const r = await Engine.create({ threads: 1, backend: 'wasm', variant: 'relaxed-simd' });
  const rnd = mulberry32(seed);
  try {
    for (const c of cases) {
      const total = c.sizes.reduce((s, n) => s + n, 0);
      const offsets = c.sizes.map((_, i) => c.sizes.slice(0, i).reduce((s, n) => s + n, 0));
      const start = Float32Array.from({ length: total }, () => rnd() * 2 - 1);
      c.fill?.(start, offsets);
      const runOn = (eng: Engine, k: Kernels): Float32Array => {
        const base = eng.heap.alloc(total * 4);
        eng.heap.f32(base, total).set(start);
        c.run(
          k,
          offsets.map((o) => base + o * 4),
        );
        const out = Float32Array.from(eng.heap.f32(base, total));
        eng.heap.release(base);
        return out;
      };
      const want = runOn(e, e.k);
      for (const isa of isas) {
        const diff = firstDiff(runOn(e, addon!.bind(new Uint8Array(e.heap.memory.buffer), isa)), want);
        assert.equal(diff, null, `${isa} ${c.what}: ${diff}`);
      }
      const relaxed = runOn(r, r.k),
        tol = c.tol ?? 1e-4;
      for (let i = 0; i < total; i++)
        assert.ok(
          Math.abs(relaxed[i] - want[i]) <= tol * (1 + Math.abs(want[i])),
          `relaxed-SIMD ${c.what} float ${i}: ${relaxed[i]} vs ${want[i]}`,
        );
    }
  } finally {
    await e.close();
    await r.close();
  }
}

/** Every row of `n` floats at `at` made positive and summing to 1 (attention probabilities). */
function probabilities(x: Float32Array, at: number, rows: number, n: number): void {
  for (let r = 0; r < rows; r++) {
    const row = x.subarray(at + r * n, at + (r + 1) * n);
    row.forEach((v, i) => (row[i] = Math.abs(v) + 0.01));
    const s = row.reduce((a, v) => a + v, 0);
    row.forEach((v, i) => (row[i] = v / s));
  }
}

test('native attention forward and backward match the WebAssembly kernels bit for bit, on every ISA', {
  skip,
}, async () => {
  const cases: Case[] = [];
  // [B, H, dh, F, scale, [b0, b1)]: ones, odd sizes, F past 4-row and 8-row groups, dh past 8 columns.
  const shapes: [number, number, number, number, number, [number, number]][] = [
    [1, 1, 1, 1, 1, [0, 1]],
    [3, 2, 3, 5, 0.577, [1, 3]],
    [2, 1, 4, 2, 0.5, [0, 2]],
    [4, 3, 17, 7, 1, [2, 4]],
    [2, 2, 16, 39, 0.25, [1, 2]],
    [2, 1, 70, 9, 0.12, [0, 2]],
    [2, 1, 7, 18, 0.3, [1, 2]], // 8 query rows at a time, then 2; odd dh
    [1, 1, 130, 17, 0.1, [0, 1]], // dh past the 16-row path's limit
    [2, 2, 8, 6, 9, [0, 2]], // scores hundreds apart: exp clamps at -87
  ];
  for (const [B, H, dh, F, scale, [b0, b1]] of shapes)
    for (const res of [0, 1]) {
      const ld = (res ? 4 : 3) * H * dh,
        out = B * F * H * dh,
        probs = B * H * F * F;
      const what = `B${B} H${H} dh${dh} F${F} scale ${scale} res ${res} examples ${b0}-${b1}`;
      const spread = (x: Float32Array, at: number[]): void => {
        for (let i = at[0]; i < at[0] + B * F * ld; i++) x[i] *= 3;
      };
      const tol = scale > 1 ? 3e-3 : 1e-4;
      for (const keep of [0, 1])
        cases.push({
          what: `forward keep ${keep} ${what}`,
          sizes: [B * F * ld, out, keep ? probs : F * F],
          fill: spread,
          tol,
          run: (k, [qkv, o, p]) => k.attention_forward(qkv, H, dh, F, scale, res, o, p, keep, b0, b1),
        });
      for (const zero of [0, 1])
        cases.push({
          what: `backward zero ${zero} ${what}`,
          sizes: [B * F * ld, out, probs, B * F * ld, F * F],
          fill: (x, at) => probabilities(x, at[2], B * H * F, F),
          run: (k, [qkv, g, p, gqkv, scratch]) =>
            k.attention_backward(qkv, H, dh, F, scale, res, g, p, gqkv, zero, scratch, b0, b1),
        });
    }
  await check(cases, 21);
});

test('native bilinear forward and backward (field_all, field_each, field_interaction) match the WebAssembly kernels bit for bit', {
  skip,
}, async () => {
  const cases: Case[] = [];
  // [B, F, D, pad of the output rows, [b0, b1)]
  const shapes: [number, number, number, number, [number, number]][] = [
    [1, 1, 1, 0, [0, 1]],
    [2, 2, 1, 1, [1, 2]],
    [3, 3, 4, 0, [0, 3]],
    [3, 5, 7, 5, [1, 3]],
    [2, 4, 16, 2, [0, 2]],
    [2, 3, 12, 1, [0, 2]],
    [2, 6, 70, 0, [1, 2]],
  ];
  for (const [B, F, D, pad, [b0, b1]] of shapes)
    for (const mode of [0, 1, 2]) {
      const P = (F * (F - 1)) / 2,
        ldo = P * D + pad,
        W = (mode === 0 ? 1 : mode === 1 ? F : Math.max(P, 1)) * D * D,
        gT = B * (mode === 2 ? P : F) * D;
      const what = `mode ${mode} B${B} F${F} D${D} ldo ${ldo} examples ${b0}-${b1}`;
      cases.push({
        what: `forward ${what}`,
        sizes: [B * F * D, W, B * ldo],
        run: (k, [emb, w, out]) => k.bilinear_forward(emb, w, mode, F, D, out, ldo, b0, b1),
      });
      for (const withEmb of [false, true])
        cases.push({
          what: `backward ${withEmb ? 'with' : 'without'} dL/demb ${what}`,
          sizes: [B * F * D, W, B * ldo, gT, B * F * D],
          run: (k, [emb, w, g, t, gEmb]) =>
            k.bilinear_backward(emb, w, mode, F, D, g, ldo, t, withEmb ? gEmb : 0, b0, b1),
        });
    }
  await check(cases, 22);
});

test('native cross layer forward and backward match the WebAssembly kernels bit for bit', { skip }, async () => {
  const cases: Case[] = [];
  for (const d of [1, 3, 4, 7, 16, 33, 70])
    for (const [B, b0, b1] of [
      [1, 0, 1],
      [5, 2, 5],
    ]) {
      const what = `d ${d} B${B} rows ${b0}-${b1}`;
      cases.push({
        what: `forward ${what}`,
        sizes: [B * d, B * d, d, d, B * d],
        run: (k, [x0, x, w, bias, out]) => k.cross_forward(x0, x, w, bias, out, d, b0, b1),
      });
      // Which gradients: both, dL/dx0 only, dL/dx only, and one buffer for both (x0 is x).
      for (const [name, pick] of [
        ['both', (a: number, b: number) => [a, b]],
        ['x0 only', (a: number) => [a, 0]],
        ['x only', (_: number, b: number) => [0, b]],
        ['shared', (a: number) => [a, a]],
      ] as const)
        cases.push({
          what: `backward ${name} ${what}`,
          sizes: [B * d, B * d, d, B * d, B * d, B * d, B],
          run: (k, [x0, x, w, g, gx0, gx, gs]) => {
            const [p0, p1] = pick(gx0, gx);
            k.cross_backward(x0, x, w, g, p0, p1, gs, d, b0, b1);
          },
        });
    }
  await check(cases, 23);
});

test('attention, bilinear and cross models give identical logits and gradients on a native engine with 1 and 2 threads', {
  skip,
}, async () => {
  const models: [string, Record<string, unknown>][] = [
    ['autoint', { attention_layers: 2, attention_heads: 2, attention_head_dim: 3 }],
    ['autoint', { attention_layers: 1, attention_heads: 1, attention_head_dim: 5, attention_residual: false }],
    ['fibinet', { bilinear_type: 'field_all' }],
    ['fibinet', { bilinear_type: 'field_each' }],
    ['fibinet', { bilinear_type: 'field_interaction' }],
    ['dcn', { num_cross_layers: 3 }],
    ['dcnv2', { num_cross_layers: 2 }],
    ['gdcn', { num_cross_layers: 2 }],
  ];
  const batch = sliceBatch(tinyData(37, 4), 0, 37);
  const run = (): Float32Array[][] =>
    models.map(([name, options]) => {
      const entry = findModel(name)!;
      const opts = entry.options.parse(optionsFor(entry, { embedding_dim: 5, hidden: [7], ...options }));
      const model = entry.create(tinySpec, opts, {
        rng: new Rng(5),
        store: new EmbeddingStore({ mainBudget: 2 ** 20 }),
        slots: 0,
      });
      return tidy(() => {
        const logits = model.forward(batch);
        backward(bceWithLogits(logits, batch.labels!));
        return [logits.toArray(), ...model.params().map((p) => p.grad!.toArray())];
      });
    });
  const results: Float32Array[][][] = [];
  for (const threads of [1, 2]) {
    const e = await initEngine({ threads, backend: 'native' });
    assert.equal(e.threads, threads);
    results.push(run());
  }
  models.forEach(([name, options], m) =>
    results[0][m].forEach((want, i) => {
      const diff = firstDiff(results[1][m][i], want);
      assert.equal(diff, null, `${name} ${JSON.stringify(options)} ${i ? `gradient ${i - 1}` : 'logits'}: ${diff}`);
    }),
  );
  await initEngine({ threads: 1 });
});
