import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { backward, lookupFields, mul, noGrad, sum } from '../../src/autograd/index.js';
import { EmbeddingStore } from '../../src/embedding/store.js';
import type { EmbeddingTable } from '../../src/embedding/table.js';
import { uniqueIds } from '../../src/embedding/unique.js';
import { engine, getEngine } from '../../src/kernels/engine.js';
import { Optimizer } from '../../src/optim/optimizer.js';
import { Rng } from '../../src/tensor/rng.js';
import { Tensor, tidy } from '../../src/tensor/tensor.js';

before(async () => {
  await getEngine();
});

/** The k-th pending sparse gradient of a table as plain arrays. */
function pendingOf(t: EmbeddingTable, k = 0): { ids: Int32Array; grads: Float32Array } {
  const p = t.pending[k];
  const heap = engine().heap;
  return { ids: Int32Array.from(heap.i32(p.idsPtr, p.n)), grads: Float32Array.from(heap.f32(p.gradsPtr, p.n * t.dim)) };
}

/** Records a sparse gradient on `t` as backward would. */
function pushPending(t: EmbeddingTable, ids: number[], grads: number[]): void {
  const heap = engine().heap;
  const p = { n: ids.length, idsPtr: heap.alloc(ids.length * 4), gradsPtr: heap.alloc(grads.length * 4) };
  heap.i32(p.idsPtr, p.n).set(ids);
  heap.f32(p.gradsPtr, grads.length).set(grads);
  t.pending.push(p);
}

test('uniqueIds finds each id once and maps every position back', () => {
  const ids = Int32Array.from([5, 3, 5, 9, 3, 5, 0, -1, 0]);
  const { uniq, inverse, counts } = uniqueIds(ids, ids.length);
  assert.deepEqual([...uniq], [5, 3, 9, 0, -1]);
  assert.deepEqual([...counts], [3, 2, 1, 2, 1]);
  for (let i = 0; i < ids.length; i++) assert.equal(uniq[inverse[i]], ids[i]);
  const strided = uniqueIds(Int32Array.from([1, 7, 2, 7, 1, 8]), 3, 1, 2);
  assert.deepEqual([...strided.uniq], [7, 8]);
});

test('lookupFields gathers rows per field and its gradient is sparse and exact', () => {
  const store = new EmbeddingStore();
  const rng = new Rng(3);
  const tables = [store.create('a', 7, 4, 0), store.create('b', 3, 4, 0)];
  for (const t of tables) t.init(rng, 'normal', 1);
  const ids = Int32Array.from([6, 0, 1, 2, 6, 2]); // 3 rows x 2 fields
  tidy(() => {
    const out = lookupFields(tables, ids, 3);
    assert.deepEqual(out.shape, [3, 2, 4]);
    for (let b = 0; b < 3; b++)
      for (let f = 0; f < 2; f++) {
        const want = tables[f].readRows(ids[b * 2 + f], ids[b * 2 + f] + 1);
        assert.deepEqual(out.toArray().subarray((b * 2 + f) * 4, (b * 2 + f + 1) * 4), want);
      }
    const w = Tensor.from(
      Array.from({ length: 24 }, (_, i) => (i % 5) - 2),
      [3, 2, 4],
    );
    backward(sum(mul(out, w)));
    // Table a: id 6 used by rows 0 and 2, id 1 by row 1; d/d row = sum of the weights where it was used.
    const a = pendingOf(tables[0]);
    assert.deepEqual([...a.ids], [1, 6]);
    const wd = w.toArray();
    for (let j = 0; j < 4; j++) {
      assert.equal(a.grads[4 + j], wd[(0 * 2 + 0) * 4 + j] + wd[(2 * 2 + 0) * 4 + j]);
      assert.equal(a.grads[j], wd[(1 * 2 + 0) * 4 + j]);
    }
    assert.deepEqual([...pendingOf(tables[1]).ids], [0, 2]);
    for (const t of tables) t.clearPending();
  });
  assert.throws(
    () => noGrad(() => tidy(() => lookupFields(tables, Int32Array.from([7, 0]), 1))),
    /id 7 at row 0 outside 0..6/,
  );
  // Without gradients too: a negative id, and an id past the second field's table on row 1.
  assert.throws(
    () => noGrad(() => tidy(() => lookupFields(tables, Int32Array.from([-1, 0]), 1))),
    /embedding a: id -1 at row 0 outside 0..6/,
  );
  assert.throws(
    () => noGrad(() => tidy(() => lookupFields(tables, Int32Array.from([0, 0, 1, 3]), 2))),
    /embedding b: id 3 at row 1 outside 0..2/,
  );
  // With gradients, the kernels check the id range; the message still names the bad id.
  assert.throws(
    () => tidy(() => lookupFields(tables, Int32Array.from([0, 0, 1, 3]), 2)),
    /embedding b: id 3 at row 1 outside 0..2/,
  );
  assert.throws(
    () => tidy(() => lookupFields(tables, Int32Array.from([-2, 0]), 1)),
    /embedding a: id -2 at row 0 outside 0..6/,
  );
});

function trainSteps(store: EmbeddingStore, kind: 'sgd' | 'adagrad' | 'adam'): Float32Array[] {
  const rng = new Rng(42);
  const slots = { sgd: 0, adagrad: 1, adam: 2 }[kind];
  const tables = [store.create('x', 50, 8, slots), store.create('y', 30, 8, slots)];
  for (const t of tables) t.init(rng, 'normal', 0.1);
  const opt = new Optimizer([], tables, { kind, lr: 0.05, embeddingL2: 1e-3 });
  const data = new Rng(7);
  for (let step = 0; step < 5; step++) {
    const ids = Int32Array.from({ length: 16 }, (_, i) => data.int(i % 2 ? 30 : 50));
    tidy(() => {
      const out = lookupFields(tables, ids, 8);
      const w = Tensor.from(
        Array.from({ length: out.size }, () => data.next() - 0.5),
        out.shape,
      );
      backward(sum(mul(out, w)));
    });
    opt.step();
    opt.zeroGrad();
  }
  return tables.map((t) => t.readRows());
}

test('a few rows looked up without gradients (one kernel call for all fields) match a large batch of the same rows', () => {
  const store = new EmbeddingStore();
  const rng = new Rng(5);
  const tables = [store.create('a', 30, 6, 2), store.create('b', 40, 6, 0), store.create('c', 9, 6, 1)];
  for (const t of tables) t.init(rng, 'normal', 1);
  const rows = 3000; // past the small-lookup size: the per-table path
  const ids = Int32Array.from({ length: rows * 3 }, (_, i) => rng.int(tables[i % 3].rows));
  const big = noGrad(() => tidy(() => lookupFields(tables, ids, rows).toArray()));
  for (const at of [0, 17, rows - 2]) {
    const few = noGrad(() => tidy(() => lookupFields(tables, ids.subarray(at * 3, (at + 2) * 3), 2).toArray()));
    assert.deepEqual(few, big.subarray(at * 18, (at + 2) * 18));
  }
  assert.throws(() => noGrad(() => tidy(() => lookupFields(tables, Int32Array.from([1, 2, 9]), 1))), /id 9 /);
});

test('tables split across many small memories behave exactly like one big heap', () => {
  for (const kind of ['sgd', 'adagrad', 'adam'] as const) {
    const big = trainSteps(new EmbeddingStore(), kind);
    // Force tiny groups: 1 KiB of room for tables per separate memory and none in the main heap.
    const small = new EmbeddingStore({ mainBudget: 0, groupBytes: (1 << 20) + 65536 + 1024, stagingBytes: 65536 });
    const split = trainSteps(small, kind);
    assert.ok(small.groups.length > 2, `expected several groups, got ${small.groups.length}`);
    assert.ok(
      small.tables.some((t) => t.shards.length > 1),
      'expected a table split across groups',
    );
    assert.deepEqual(split, big, kind);
    // Native kernels work on separate memories in place (on the pool); WebAssembly ones stage through them.
    const native = engine().backend.name === 'native';
    assert.ok(small.groups.slice(1).every((g) => (g.reach !== null) === native));
  }
});

test('sparse Adam touches only the rows in the batch and matches a reference update', () => {
  const store = new EmbeddingStore();
  const t = store.create('t', 6, 4, 2);
  t.init(new Rng(1), 'normal', 1);
  const before = t.readRows();
  const opt = new Optimizer([], [t], { kind: 'adam', lr: 0.1 });
  const grads = Float32Array.from([0.5, -1, 2, 0, 1, 1, 1, 1]);
  pushPending(t, [4, 1], [...grads]);
  opt.step();
  const after = t.readRows();
  for (const r of [0, 2, 3, 5]) assert.deepEqual(after.subarray(r * 4, r * 4 + 4), before.subarray(r * 4, r * 4 + 4));
  // First Adam step: m = 0.1 g, v = 0.001 g^2, lr_t = 0.1 sqrt(0.001) / 0.1 -> step = 0.1 * g / (|g| + eps').
  [4, 1].forEach((r, k) => {
    for (let j = 0; j < 4; j++) {
      const g = grads[k * 4 + j];
      const m = 0.1 * g,
        v = 0.001 * g * g;
      const lrt = (0.1 * Math.sqrt(1 - 0.999)) / (1 - 0.9);
      const want = before[r * 4 + j] - (lrt * m) / (Math.sqrt(v) + 1e-8);
      assert.ok(Math.abs(after[r * 4 + j] - want) < 1e-5, `row ${r} col ${j}: ${after[r * 4 + j]} vs ${want}`);
    }
  });
});

test('several sparse gradients for one table are merged per id before one optimizer step', () => {
  const store = new EmbeddingStore();
  const [a, b] = [store.create('a', 5, 2, 1), store.create('b', 5, 2, 1)];
  a.init(new Rng(2), 'normal', 1);
  b.writeRows(a.readRows());
  pushPending(a, [3, 1], [1, 2, 3, 4]);
  pushPending(a, [1, 0], [0.5, 0.5, -1, 1]);
  pushPending(b, [3, 1, 0], [1, 2, 3.5, 4.5, -1, 1]);
  new Optimizer([], [a, b], { kind: 'adagrad', lr: 0.1 }).step();
  assert.deepEqual(a.readRows(), b.readRows());
  assert.equal(a.pending.length, 0);
});
