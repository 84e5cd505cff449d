import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { noGrad } from '../../src/autograd/index.js';
import { engine, getEngine } from '../../src/kernels/engine.js';
import { Linear } from '../../src/nn/linear.js';
import { Rng } from '../../src/tensor/rng.js';
import { tidy, Tensor } from '../../src/tensor/tensor.js';

before(async () => {
  await getEngine();
});

test('Linear in inference reads its weights packed once (native kernels), with the bits of the training-mode product, and follows weights changed in place', () => {
  const rng = new Rng(4);
  const layer = new Linear(70, 45, rng);
  const x = Tensor.randn([37, 70], rng, 1);
  // The training-mode product (W packed inside every sgemm call, as always), on a twin layer so
  // that computing it never touches `layer`'s state.
  const twin = new Linear(70, 45, rng);
  const reference = (): Float32Array => {
    twin.W.assign(layer.W.toArray());
    twin.b!.assign(layer.b!.toArray());
    return tidy(() => twin.train().forward(x, 'relu').toArray());
  };
  const infer = (): Float32Array => noGrad(() => tidy(() => layer.eval().forward(x, 'relu').toArray()));
  const want = reference();
  const inUse = engine().heap.inUse;
  assert.deepEqual(infer(), want);
  const kept = engine().heap.inUse - inUse;
  assert.deepEqual(infer(), want, 'the second call reads the same packed copy');
  assert.equal(engine().heap.inUse - inUse, kept, 'packed once, not per call');
  if (engine().backend.name === 'native') assert.ok(kept >= 70 * 45 * 4, `a packed copy is kept (${kept} bytes)`);
  else assert.equal(kept, 0, 'WebAssembly packs inside each call: nothing kept');

  // Weights restored in place (a file loaded, the best epoch kept): the next call repacks.
  layer.W.assign(layer.W.toArray().map((v) => v * -1.5));
  const moved = reference();
  assert.notDeepEqual(moved, want);
  assert.deepEqual(infer(), moved, 'the packed copy follows Tensor.assign');

  // An optimizer step writes in training mode: the training call dropped the copy.
  tidy(() => {
    layer.train().forward(x);
  });
  layer.W.data[3] += 5;
  assert.deepEqual(infer(), reference(), 'a training-mode call drops the packed copy');
  tidy(() => {
    layer.train().forward(x);
  });
  assert.equal(engine().heap.inUse, inUse, 'and frees it');
});
