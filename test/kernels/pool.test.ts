import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initEngine } from '../../src/kernels/engine.js';
import { GEN, PENDING } from '../../src/kernels/protocol.js';
import { Rng } from '../../src/tensor/rng.js';
import { Tensor } from '../../src/tensor/tensor.js';

test('a late wake-up does not make a worker run a task twice (the pool stays in step)', async () => {
  const e = await initEngine({ threads: 2 });
  const ctl = (e.pool as unknown as { ctl: Int32Array }).ctl;
  const rng = new Rng(4);
  const A = Tensor.randn([64, 64], rng),
    B = Tensor.randn([64, 64], rng),
    C = new Tensor([64, 64]),
    D = new Tensor([64, 64]);
  // 64^3 multiply-adds: split over both threads.
  e.sgemm(false, false, 64, 64, 64, 1, A.ptr, 64, B.ptr, 64, 0, C.ptr, 64);
  const want = C.toArray();
  for (let i = 0; i < 50; i++) {
    // The notify of a task the worker has already run, arriving late (the main thread was preempted
    // between publishing the generation and notifying): the worker must go back to sleep.
    Atomics.notify(ctl, GEN);
    await new Promise((r) => setTimeout(r, 2));
    assert.equal(Atomics.load(ctl, PENDING), 0, `iteration ${i}: a worker ran a finished task again`);
    e.sgemm(false, false, 64, 64, 64, 1, A.ptr, 64, B.ptr, 64, 0, D.ptr, 64);
    assert.deepEqual(D.toArray(), want);
  }
  for (const t of [A, B, C, D]) t.dispose();
});
