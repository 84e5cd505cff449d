import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backward, lookupFields } from '../../src/autograd/index.js';
import { EmbeddingStore } from '../../src/embedding/store.js';
import { engine, initEngine } from '../../src/kernels/engine.js';
import { Optimizer } from '../../src/optim/optimizer.js';
import { Rng } from '../../src/tensor/rng.js';
import { Tensor, tidy } from '../../src/tensor/tensor.js';

/** Ids [batch, F] with many repeats: most draws come from a few small ids. */
function skewedIds(rng: Rng, rows: number[], batch: number): Int32Array {
  const F = rows.length;
  return Int32Array.from({ length: batch * F }, (_, i) => {
    const r = rows[i % F];
    return rng.next() < 0.7 ? rng.int(Math.min(r, 5)) : rng.int(r);
  });
}

/** Plain reference of the lookup's sparse gradient: ids ascending, rows summed in batch order in float32. */
function referenceGrad(
  ids: Int32Array,
  F: number,
  f: number,
  batch: number,
  g: Float32Array,
  dim: number,
): { ids: number[]; grads: Float32Array } {
  const seen = [...new Set(Array.from({ length: batch }, (_, b) => ids[b * F + f]))].sort((a, b) => a - b);
  const at = new Map(seen.map((id, k) => [id, k]));
  const grads = new Float32Array(seen.length * dim);
  for (let b = 0; b < batch; b++) {
    const k = at.get(ids[b * F + f])!;
    for (let j = 0; j < dim; j++) grads[k * dim + j] += g[(b * F + f) * dim + j];
  }
  return { ids: seen, grads };
}

function checkLookup(store: EmbeddingStore, dim: number, seed: number): void {
  const rng = new Rng(seed);
  const rows = [1, 40, 300, 7];
  const tables = rows.map((r, f) => store.create(`t${f}`, r, dim, 0));
  for (const t of tables) t.init(rng, 'normal', 1);
  const F = tables.length,
    batch = 257;
  const ids = skewedIds(rng, rows, batch);
  const g = Float32Array.from({ length: batch * F * dim }, () => rng.normal());
  tidy(() => {
    const out = lookupFields(tables, ids, batch);
    const got = out.toArray();
    for (let b = 0; b < batch; b++)
      for (let f = 0; f < F; f++) {
        const want = tables[f].readRows(ids[b * F + f], ids[b * F + f] + 1);
        assert.deepEqual(got.subarray((b * F + f) * dim, (b * F + f + 1) * dim), want, `row ${b} field ${f}`);
      }
    backward(out, Tensor.from(g, [batch, F, dim]));
  });
  const heap = engine().heap;
  tables.forEach((t, f) => {
    const want = referenceGrad(ids, F, f, batch, g, dim);
    const p = t.pending[0];
    assert.deepEqual([...heap.i32(p.idsPtr, p.n)], want.ids, `ids of table ${f}`);
    assert.deepEqual(Float32Array.from(heap.f32(p.gradsPtr, p.n * dim)), want.grads, `grads of table ${f}`);
    t.clearPending();
  });
}

test('lookup kernels match a plain reference on skewed ids (one heap and many small memories)', async () => {
  await initEngine();
  for (const dim of [1, 5, 16]) {
    checkLookup(new EmbeddingStore(), dim, dim);
    // Room for 64 rows per memory and none in the main heap.
    const small = new EmbeddingStore({
      mainBudget: 0,
      groupBytes: (1 << 20) + 65536 + 64 * dim * 4,
      stagingBytes: 65536,
    });
    checkLookup(small, dim, dim);
    assert.ok(
      small.tables.some((t) => t.shards.length > 1),
      'expected a table split across memories',
    );
  }
  // A table split between the main heap and a separate memory.
  const mixed = new EmbeddingStore({
    mainBudget: 64 * 16 * 4,
    groupBytes: (1 << 20) + 65536 + 65536,
    stagingBytes: 65536,
  });
  checkLookup(mixed, 16, 3);
  assert.ok(
    mixed.tables.some((t) => t.shards.length > 1 && t.shards[0].group.isMain),
    'expected a table starting in the main heap',
  );
});

function train(threads: number): Float32Array[] {
  const store = new EmbeddingStore();
  const rng = new Rng(9);
  const rows = [50, 1000, 3, 200, 77];
  const tables = rows.map((r, f) => store.create(`t${f}`, r, 8, 2));
  for (const t of tables) t.init(rng, 'normal', 0.1);
  const opt = new Optimizer([], tables, { kind: 'adam', lr: 0.01, embeddingL2: 1e-4 });
  for (let step = 0; step < 4; step++) {
    const ids = skewedIds(rng, rows, 512);
    const g = Tensor.from(
      Float32Array.from({ length: 512 * rows.length * 8 }, () => rng.normal()),
      [512, rows.length, 8],
    );
    tidy(() => backward(lookupFields(tables, ids, 512), g));
    g.dispose();
    opt.step();
    opt.zeroGrad();
  }
  assert.equal(engine().threads, threads);
  return tables.map((t) => t.readRows());
}

test('training with 1 and 2 threads gives identical tables', async () => {
  await initEngine({ threads: 1 });
  const one = train(1);
  await initEngine({ threads: 2 });
  const two = train(2);
  assert.deepEqual(two, one);
});
