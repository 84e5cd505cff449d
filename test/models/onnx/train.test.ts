import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { add, backward, log, mean, mul, scale, sub } from '../../../src/autograd/index.js';
import { readGraphData } from '../../../src/data/formats/graph_data.js';
import { getEngine } from '../../../src/kernels/engine.js';
import { Optimizer } from '../../../src/optim/optimizer.js';
import { Tensor, tidy } from '../../../src/tensor/tensor.js';
import { gradcheck } from '../../autograd/gradcheck.js';
import { fixturePath, importFixture } from './fixture_files.js';

before(async () => {
  await getEngine();
});

/** Mean binary cross-entropy of probabilities p ([B, 1]) against 0/1 labels. */
function bce(p: Tensor, labels: Float32Array): Tensor {
  const y = Tensor.from(labels, p.shape),
    one = Tensor.from([1], []);
  return scale(mean(add(mul(y, log(p)), mul(sub(one, y), log(sub(one, p))))), -1);
}

test('gradients through imported graphs match finite differences (Linear weights, biases, LayerNorm, BatchNorm scale)', () => {
  for (const name of [
    'attention_fields_op13',
    'attention_matrix_op17',
    'mlp_flat_op17',
    'deepfm_matrix_op13',
    'dcn_flat_op13',
  ]) {
    const model = importFixture(name);
    const data = readGraphData(fixturePath(name, '.inputs.npz'), model.graph.inputs);
    const params = model.params();
    assert.ok(params.length >= 4, `${name}: ${params.length} parameters`);
    // eps 3e-3: steps of 1e-2 can cross a ReLU kink in these random nets.
    gradcheck(name, () => model.forward(data.inputs).get('prob') as Tensor, params, { eps: 3e-3, maxEntries: 12 });
    for (const t of model.tables()) t.clearPending();
  }
});

test('an imported graph trains: a few SGD steps of BCE lower the loss and move tables and dense weights', () => {
  const name = 'deepfm_fields_op17';
  const model = importFixture(name).train();
  const data = readGraphData(fixturePath(name, '.inputs.npz'), model.graph.inputs);
  assert.ok(data.labels, 'the fixture has labels');
  const opt = new Optimizer(model.params(), model.tables(), { kind: 'sgd', lr: 0.5 });
  const table = model.tables()[0],
    before0 = table.readRows();
  const W = model.params()[0],
    w0 = W.toArray();
  const losses: number[] = [];
  for (let step = 0; step < 20; step++) {
    tidy(() => {
      opt.zeroGrad();
      const loss = bce(model.forward(data.inputs).get('prob') as Tensor, data.labels!);
      losses.push(loss.data[0]);
      backward(loss);
      opt.step();
    });
  }
  assert.ok(losses.every(Number.isFinite));
  assert.ok(
    losses[losses.length - 1] < 0.5 * losses[0],
    `loss ${losses[0].toFixed(4)} -> ${losses[losses.length - 1].toFixed(4)}`,
  );
  assert.notDeepEqual([...table.readRows()], [...before0], 'embedding rows were updated');
  assert.notDeepEqual([...W.data], [...w0], 'dense weights were updated');
});
