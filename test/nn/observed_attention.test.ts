import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { noGrad, observe, type TraceEvent } from '../../src/autograd/index.js';
import { getEngine } from '../../src/kernels/engine.js';
import { Linear } from '../../src/nn/linear.js';
import { LowRankLinear } from '../../src/nn/low_rank_linear.js';
import { MultiHeadSelfAttention } from '../../src/nn/self_attention.js';
import { Rng } from '../../src/tensor/rng.js';
import { tidy } from '../../src/tensor/tensor.js';
import { randAway } from '../autograd/gradcheck.js';

before(async () => {
  await getEngine();
});
const rng = new Rng(5);

/** Ops run, the layer's output and the outputs reported per part, with or without an output observer. */
function watch(att: MultiHeadSelfAttention, withOutputs: boolean) {
  const x = randAway([3, 4, 6], new Rng(9));
  const ops: string[] = [];
  const outputs = new Map<object, Float32Array[]>();
  noGrad(() => tidy(() => void att.forward(x))); // serving weights prepared (factored layers), as in every later call
  const out = noGrad(() =>
    tidy(() =>
      observe(
        {
          op: (e: TraceEvent) => ops.push(e.op),
          ...(withOutputs
            ? {
                output: (p: object, y: { toArray(): Float32Array }) =>
                  outputs.set(p, [...(outputs.get(p) ?? []), y.toArray()]),
              }
            : {}),
        },
        () => att.forward(x).toArray(),
      ),
    ),
  );
  const alone = (l: Linear): Float32Array => noGrad(() => tidy(() => l.forward(x).toArray()));
  return { ops, outputs, out, alone };
}

test('observing outputs leaves attention on its fused path and reports each projection as it would run alone', () => {
  const att = new MultiHeadSelfAttention(6, { heads: 2, headDim: 4 }, rng).eval();
  const quiet = watch(att, false),
    seen = watch(att, true);
  assert.deepEqual(
    seen.ops.filter((o) => o !== 'slice'),
    quiet.ops,
    'the same ops run (one fused projection GEMM), plus slices of its result for the observer',
  );
  assert.equal(quiet.ops.filter((o) => o === 'linear').length, 1);
  assert.deepEqual(seen.out, quiet.out);
  for (const l of [att.query, att.key, att.value, att.res!]) {
    assert.ok(l instanceof Linear);
    assert.deepEqual(seen.outputs.get(l), [seen.alone(l)], 'bit-identical to the projection run on its own');
  }
});

test('a factored attention layer keeps its factored result under observation; its factors report their outputs', () => {
  const att = new MultiHeadSelfAttention(6, { heads: 2, headDim: 8 }, rng).eval();
  for (const name of ['query', 'key', 'value', 'res']) att.replace(name, new LowRankLinear(6, 16, 2, 'none', rng));
  const quiet = watch(att, false),
    seen = watch(att, true);
  assert.deepEqual(seen.out, quiet.out, 'the layer output is the factored one');
  let i = 0;
  for (const op of seen.ops) if (op === quiet.ops[i]) i++;
  assert.equal(i, quiet.ops.length, 'every op of the factored path runs, in order');
  for (const p of [att.query, att.key, att.value, att.res!]) {
    assert.ok(p instanceof LowRankLinear);
    assert.equal(seen.outputs.get(p.down)?.length, 1);
    assert.equal(seen.outputs.get(p.up)?.length, 1);
    assert.deepEqual(seen.outputs.get(p.down), [seen.alone(p.down)]);
  }
});
