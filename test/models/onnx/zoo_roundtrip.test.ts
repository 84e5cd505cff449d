import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { hostArray } from '../../../src/io/onnx/host_array.js';
import { decodeOnnx } from '../../../src/io/onnx/read.js';
import { getEngine } from '../../../src/kernels/engine.js';
import { OnnxGraphModel } from '../../../src/models/onnx/model.js';
import { scoreRows } from '../../../src/models/onnx/run.js';
import { MODELS } from '../../../src/models/registry.js';
import { exportOnnx } from '../../../src/serve/onnx/export.js';
import { SMALL_OPTIONS, buildTrained, compressLow, newStore, slimctrProbs } from '../../serve/onnx_parity.js';
import { tinyData, tinySpec } from '../tiny.js';

before(async () => {
  await getEngine();
});

test("every zoo model slimctr exports, original and AFM-compressed, imports back and scores like slimctr's own model", () => {
  const b = tinyData(64, 9);
  assert.ok(MODELS.length >= 12, `${MODELS.length} zoo models`);
  for (const entry of MODELS) {
    for (const compressed of [false, true]) {
      const store = newStore();
      const model = buildTrained(entry, SMALL_OPTIONS, store);
      if (compressed) compressLow(model, 'afm', store);
      const want = slimctrProbs(model, b);
      const imported = new OnnxGraphModel(decodeOnnx(exportOnnx(model, tinySpec), `${entry.name}.onnx`), {
        store: newStore(),
        slots: 0,
      }).eval();
      const F = tinySpec.categorical.length,
        N = tinySpec.numeric.length;
      const inputs = new Map([['ids', hostArray('int', [b.rows, F], b.ids)]]);
      if (N > 0) inputs.set('dense', hostArray('float', [b.rows, N], b.dense));
      const got = scoreRows(imported, inputs, b.rows, 'prob', 25);
      let worst = 0;
      for (let i = 0; i < b.rows; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
      assert.ok(worst < 1e-5, `${entry.name}${compressed ? ' (compressed)' : ''}: max gap ${worst}`);
    }
  }
});
