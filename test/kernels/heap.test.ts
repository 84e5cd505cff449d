import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Heap } from '../../src/kernels/heap.js';

test('heap reuses exact sizes, and under its limit merges free neighbours instead of failing', () => {
  const heap = new Heap(1 << 16, 4 << 20); // 4 MiB cap
  const a = heap.alloc(1 << 20);
  heap.release(a);
  assert.equal(heap.alloc(1 << 20), a, 'same size comes back');
  heap.release(a);
  // Fill the heap with 1 MiB - 64 KiB in 64 KiB blocks, free them, then ask for 2 MiB at once:
  // only merging the freed blocks can serve it.
  const small = Array.from({ length: 15 }, () => heap.alloc(64 << 10));
  const big1 = heap.alloc(2 << 20);
  for (const p of small) heap.release(p);
  heap.release(big1);
  const big2 = heap.alloc(3 << 20);
  assert.ok(big2 >= 0);
  assert.equal(heap.inUse, 3 << 20);
  assert.throws(() => heap.alloc(2 << 20), /kernel heap: need/);
  // Data written through one view is seen through a fresh one (the memory is shared, not copied).
  heap.f32(big2, 4).set([1, 2, 3, 4]);
  assert.deepEqual([...heap.f32(big2, 4)], [1, 2, 3, 4]);
});

test('a block released twice, or never handed out, is an internal error; a reused offset releases again', () => {
  const heap = new Heap(1 << 16, 4 << 20);
  const a = heap.alloc(4096);
  heap.release(a);
  assert.throws(() => heap.release(a), /release of released block/);
  assert.throws(() => heap.release(a + 64), /release of unknown block/);
  assert.equal(heap.alloc(4096), a);
  heap.release(a);
  assert.equal(heap.inUse, 0);
});
