import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { linear, noGrad, observe, outputsObserved, relu, reportOutput } from '../../src/autograd/index.js';
import { getEngine } from '../../src/kernels/engine.js';
import { Tensor, tidy } from '../../src/tensor/tensor.js';

before(async () => {
  await getEngine();
});

test('observe: ops and part outputs reach the active observer only, and an inner observer hands back to the outer', () => {
  const x = Tensor.from([1, -2, 3, -4], [2, 2]);
  const W = Tensor.from([1, 0, 0, 1], [2, 2]);
  const part = { name: 'layer' };
  const outer: string[] = [],
    inner: string[] = [];
  noGrad(() =>
    tidy(() => {
      relu(x); // nobody listens
      reportOutput(part, x);
      assert.equal(outputsObserved(), false);
      observe({ op: (e) => outer.push(e.op), output: (p, y) => outer.push(`out:${p === part}:${y.shape}`) }, () => {
        linear(x, W, null);
        observe({ op: (e) => inner.push(e.op) }, () => {
          assert.equal(outputsObserved(), false, 'the inner observer takes no outputs');
          relu(x);
          reportOutput(part, x);
        });
        assert.equal(outputsObserved(), true);
        reportOutput(part, x);
      });
      assert.equal(outputsObserved(), false);
    }),
  );
  assert.deepEqual(outer, ['linear', 'out:true:2,2']);
  assert.deepEqual(inner, ['relu']);
});
