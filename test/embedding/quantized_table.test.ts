import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lookupFields, noGrad } from '../../src/autograd/index.js';
import { QuantizedTable } from '../../src/embedding/quantized_table.js';
import { EmbeddingStore } from '../../src/embedding/store.js';
import { EmbeddingTable } from '../../src/embedding/table.js';
import { engine, initEngine } from '../../src/kernels/engine.js';
import { dequantizeRow, dequantizeRows, quantizeRows, type RowBits } from '../../src/tensor/quantize.js';
import { Rng } from '../../src/tensor/rng.js';
import { tidy } from '../../src/tensor/tensor.js';
import { ResourceError, ShapeError, TrainingError } from '../../src/util/errors.js';

/** Plain, 8-bit and 4-bit tables side by side (rows vary), filled from one rng. */
function mixedTables(store: EmbeddingStore, dim: number, rng: Rng): EmbeddingTable[] {
  const rows = [30, 1000, 1, 257, 64];
  const bits: (RowBits | 0)[] = [8, 0, 4, 8, 4];
  return rows.map((r, f) => {
    const values = Float32Array.from({ length: r * dim }, () => rng.normal());
    if (bits[f] === 0) {
      const t = store.create(`plain${f}`, r, dim, 0);
      t.writeRows(values);
      return t;
    }
    const q = store.createQuantized(`q${f}`, r, dim, bits[f] as RowBits);
    q.writeRows(values);
    return q;
  });
}

/** Row `id` of `t` as the reference sees it: stored floats, or the quantized rows dequantized in JS. */
function referenceRow(t: EmbeddingTable, id: number): Float32Array {
  return t instanceof QuantizedTable ? dequantizeRow(t.quantized(), id) : t.readRows(id, id + 1);
}

function checkMixedLookup(dim: number, threads: number): void {
  assert.equal(engine().threads, threads);
  const rng = new Rng(dim + threads);
  const tables = mixedTables(new EmbeddingStore(), dim, rng);
  const F = tables.length,
    batch = 1024; // batch * F * dim is past the pool's threshold for using every thread
  const ids = Int32Array.from({ length: batch * F }, (_, i) => rng.int(tables[i % F].rows));
  for (const lookup of [
    () => noGrad(() => lookupFields(tables, ids, batch)),
    () => lookupFields(tables, ids, batch, false),
  ])
    tidy(() => {
      const got = lookup().toArray();
      for (let b = 0; b < batch; b++)
        for (let f = 0; f < F; f++)
          assert.deepEqual(
            got.subarray((b * F + f) * dim, (b * F + f + 1) * dim),
            referenceRow(tables[f], ids[b * F + f]),
            `dim ${dim} row ${b} field ${f}`,
          );
    });
}

test('lookupFields over plain, 8-bit and 4-bit tables equals the reference with 1 and 2 pool threads', async () => {
  for (const threads of [1, 2]) {
    await initEngine({ threads });
    for (const dim of [3, 16, 17]) checkMixedLookup(dim, threads);
  }
});

test('a quantized table is an EmbeddingTable that refuses training, naming itself and its bits', async () => {
  await initEngine({ threads: 1 });
  const store = new EmbeddingStore();
  const plain = store.create('plain', 10, 4, 0);
  const q = store.createQuantized('city', 10, 4, 4);
  assert.ok(q instanceof EmbeddingTable);
  const refused = { name: 'TrainingError', message: /embedding city is stored in 4 bits and cannot be trained/ };
  const ids = Int32Array.from([1, 2, 3, 4]);
  assert.throws(() => tidy(() => lookupFields([plain, q], ids, 2)), refused);
  assert.throws(() => q.init(new Rng(1), 'normal', 1), refused);
  assert.throws(
    () => q.updateCalls({ n: 0, idsPtr: 0, gradsPtr: 0 }, { kind: 0, lr: 1, b1: 0, b2: 0, eps: 0, wd: 0 }),
    TrainingError,
  );
  assert.deepEqual(q.readRows(), new Float32Array(40), 'a new quantized table reads 0');
});

test('writeRows then readRows round-trips within scale / 2 per element; partial writes keep other rows', async () => {
  await initEngine({ threads: 1 });
  const rng = new Rng(4);
  for (const bits of [8, 4] as RowBits[])
    for (const dim of [1, 7, 16, 33]) {
      const rows = 20;
      const q = new EmbeddingStore().createQuantized('t', rows, dim, bits);
      const x = Float32Array.from({ length: rows * dim }, () => rng.normal() * 3);
      q.writeRows(x);
      const stored = q.quantized();
      assert.deepEqual(q.readRows(), dequantizeRows(stored), 'readRows is dequantizeRows');
      const back = q.readRows();
      for (let i = 0; i < x.length; i++) {
        const half = stored.scale[Math.floor(i / dim)] / 2;
        assert.ok(Math.abs(back[i] - x[i]) <= half * (1 + 1e-5) + 1e-6, `bits ${bits} dim ${dim} element ${i}`);
      }
      const patch = Float32Array.from({ length: 2 * dim }, () => rng.normal());
      q.writeRows(patch, 5);
      const after = q.readRows();
      assert.deepEqual(after.subarray(5 * dim, 7 * dim), dequantizeRows(quantizeRows(patch, 2, dim, bits)));
      assert.deepEqual(after.subarray(0, 5 * dim), back.subarray(0, 5 * dim));
      assert.deepEqual(after.subarray(7 * dim), back.subarray(7 * dim));
      assert.throws(() => q.writeRows(patch, rows - 1), ShapeError);
    }
});

test('load takes saved rows and refuses other shapes or widths', async () => {
  await initEngine({ threads: 1 });
  const store = new EmbeddingStore();
  const q = store.createQuantized('t', 6, 5, 8);
  const saved = quantizeRows(
    Float32Array.from({ length: 30 }, (_, i) => Math.sin(i)),
    6,
    5,
    8,
  );
  q.load(saved);
  assert.deepEqual(q.quantized(), saved);
  assert.throws(() => q.load(quantizeRows(new Float32Array(30), 6, 5, 4)), ShapeError);
  assert.throws(() => q.load(quantizeRows(new Float32Array(35), 7, 5, 8)), ShapeError);
});

test('store.quantize replaces the float table, frees its storage for reuse, and counts real bytes', async () => {
  await initEngine({ threads: 1 });
  const heap = engine().heap;
  const store = new EmbeddingStore();
  const rows = 5000,
    dim = 16;
  const before = store.create('a', 10, dim, 0);
  const t = store.create('big', rows, dim, 2); // Adam slots: 3 floats a weight
  t.init(new Rng(2), 'normal', 0.1);
  const weights = t.readRows();
  const inUse = heap.inUse,
    room = store.groups[0].room();
  const q = store.quantize(t, 4);
  assert.deepEqual(store.tables, [before, q], 'same place, float table gone');
  assert.equal(q.name, 'big');
  assert.deepEqual(q.readRows(), dequantizeRows(quantizeRows(weights, rows, dim, 4)));
  const qBytes = rows * (dim / 2 + 8);
  assert.equal(q.storedBytes(), qBytes);
  assert.equal(store.bytes(), 10 * dim * 4 + qBytes);
  const freed = rows * dim * 3 * 4;
  assert.ok(heap.inUse <= inUse - freed + qBytes + 64, `heap in use ${inUse} -> ${heap.inUse}`);
  assert.equal(store.groups[0].room(), room + freed - qBytes, 'the budget gets the float bytes back');
  const fresh = heap.available();
  store.create('again', rows, dim, 2);
  assert.equal(heap.available(), fresh, 'a table of the same size reuses the freed block');
});

test('a quantized table too big for the main heap is a ResourceError naming it and the bytes', async () => {
  await initEngine({ threads: 1 });
  const store = new EmbeddingStore({ mainBudget: 7000 });
  assert.throws(() => store.createQuantized('huge', 1000, 16, 8), {
    name: 'ResourceError',
    message: /embedding huge: 8-bit storage needs 24000 bytes/,
  });
  assert.throws(() => store.quantize(store.create('small_but_not_enough', 100, 16, 0), 8), ResourceError);
  assert.equal(store.tables[0].name, 'small_but_not_enough', 'a refused quantize keeps the float table');
});
