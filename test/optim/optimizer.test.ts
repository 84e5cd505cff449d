import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { backward, bceWithLogits, linear, relu, sigmoid } from '../../src/autograd/index.js';
import { getEngine } from '../../src/kernels/engine.js';
import { Optimizer, type OptimizerKind } from '../../src/optim/optimizer.js';
import { Rng } from '../../src/tensor/rng.js';
import { Tensor, tidy } from '../../src/tensor/tensor.js';

before(async () => {
  await getEngine();
});

function reference(kind: OptimizerKind, w: number, gs: number[], lr: number, wd: number): number {
  let m = 0,
    v = 0,
    acc = 0;
  gs.forEach((g0, i) => {
    const g = g0 + wd * w;
    const t = i + 1;
    if (kind === 'sgd') w -= lr * g;
    else if (kind === 'adagrad') {
      acc += g * g;
      w -= (lr * g) / (Math.sqrt(acc) + 1e-10);
    } else {
      m = 0.9 * m + 0.1 * g;
      v = 0.999 * v + 0.001 * g * g;
      w -= (lr * (m / (1 - 0.9 ** t))) / (Math.sqrt(v / (1 - 0.999 ** t)) + 1e-8);
    }
  });
  return w;
}

test('dense SGD, Adagrad and Adam match a float64 reference over several steps', () => {
  for (const kind of ['sgd', 'adagrad', 'adam'] as const) {
    const init = [0.3, -1.2, 2, 0.01, 5, -0.7];
    const p = Tensor.param(Tensor.from(init));
    const opt = new Optimizer([p], [], { kind, lr: 0.05, weightDecay: 0.01 });
    const steps = [
      [1, -2, 0.5, 3, -1, 0.2],
      [0.5, 0.5, -1, 1, 2, -3],
      [-1, 0, 1, 2, 0.1, 0.3],
    ];
    for (const g of steps) {
      p.grad = p.grad ?? Tensor.zeros(p.shape);
      p.grad.data.set(g);
      opt.step();
      opt.zeroGrad();
      assert.deepEqual([...p.grad.data], [0, 0, 0, 0, 0, 0]);
    }
    init.forEach((w0, i) => {
      const want = reference(
        kind,
        w0,
        steps.map((s) => s[i]),
        0.05,
        0.01,
      );
      assert.ok(Math.abs(p.data[i] - want) < 1e-5, `${kind} entry ${i}: ${p.data[i]} vs ${want}`);
    });
    p.dispose();
  }
});

test('a small MLP learns XOR-like data with Adam (loss falls, accuracy high)', () => {
  const rng = new Rng(5);
  const n = 256;
  const x = new Float32Array(n * 2),
    y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const a = rng.next() * 2 - 1,
      b = rng.next() * 2 - 1;
    x[2 * i] = a;
    x[2 * i + 1] = b;
    y[i] = a * b > 0 ? 1 : 0;
  }
  const W1 = Tensor.param(Tensor.randn([2, 16], rng, 0.7)),
    b1 = Tensor.param(Tensor.zeros([16]));
  const W2 = Tensor.param(Tensor.randn([16, 1], rng, 0.3)),
    b2 = Tensor.param(Tensor.zeros([1]));
  const opt = new Optimizer([W1, b1, W2, b2], [], { kind: 'adam', lr: 0.03 });
  const losses: number[] = [];
  for (let step = 0; step < 300; step++) {
    losses.push(
      tidy(() => {
        const logits = linear(relu(linear(Tensor.from(x, [n, 2]), W1, b1)), W2, b2);
        const loss = bceWithLogits(logits, y);
        backward(loss);
        return loss.data[0];
      }),
    );
    opt.step();
    opt.zeroGrad();
  }
  const acc = tidy(() => {
    const p = sigmoid(linear(relu(linear(Tensor.from(x, [n, 2]), W1, b1)), W2, b2)).data;
    let c = 0;
    for (let i = 0; i < n; i++) c += (p[i] > 0.5 ? 1 : 0) === y[i] ? 1 : 0;
    return c / n;
  });
  assert.ok(losses[losses.length - 1] < 0.5 * losses[0], `loss ${losses[0]} -> ${losses[losses.length - 1]}`);
  assert.ok(acc > 0.9, `accuracy ${acc}`);
  for (const t of [W1, b1, W2, b2]) t.dispose();
});
