import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { getEngine } from '../../src/kernels/engine.js';
import { MODELS, findModel } from '../../src/models/registry.js';
import { optionsFor, trainTiny } from './tiny.js';

before(async () => {
  await getEngine();
});

/** Small sizes so the whole zoo trains in seconds. */
const small: Record<string, unknown> = { embedding_dim: 8, hidden: [32, 32], attention_head_dim: 16 };

let lrAuc = 0;
test('lr learns the first-order signal', (t) => {
  const r = trainTiny(findModel('lr')!, {}, 6, 2e-2);
  t.diagnostic(`lr: loss ${r.firstLoss.toFixed(4)} -> ${r.lastLoss.toFixed(4)}, test AUC ${r.testAuc.toFixed(4)}`);
  assert.ok(r.lastLoss < r.firstLoss, `loss ${r.firstLoss} -> ${r.lastLoss}`);
  assert.ok(r.testAuc > 0.62, `AUC ${r.testAuc}`);
  lrAuc = r.testAuc;
});

for (const entry of MODELS.filter((m) => m.name !== 'lr')) {
  test(`${entry.name} learns and beats LR on data with planted interactions`, (t) => {
    const r = trainTiny(entry, optionsFor(entry, small));
    t.diagnostic(
      `${entry.name}: loss ${r.firstLoss.toFixed(4)} -> ${r.lastLoss.toFixed(4)}, test AUC ${r.testAuc.toFixed(4)}`,
    );
    assert.ok(r.lastLoss < r.firstLoss * 0.95, `loss ${r.firstLoss} -> ${r.lastLoss}`);
    assert.ok(r.testAuc > lrAuc + 0.01, `AUC ${r.testAuc.toFixed(4)} vs LR ${lrAuc.toFixed(4)}`);
  });
}
