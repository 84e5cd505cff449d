import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readGraphData } from '../../src/data/formats/graph_data.js';
import { compressOnnx, importGraph } from '../../src/jobs/compress_onnx.js';
import { getEngine } from '../../src/kernels/engine.js';
import { scoreRows } from '../../src/models/onnx/run.js';
import { fixtureNames, fixturePath, ortProb } from '../models/onnx/fixture_files.js';
import { scratchDir } from '../train/toy_data.js';

before(async () => {
  await getEngine();
});

test('every PyTorch fixture (4 models x 3 input styles x 2 opsets) compresses, and onnxruntime scores the result as slimctr does', async () => {
  const dir = scratchDir('compress-onnx-all');
  for (const name of fixtureNames()) {
    const inputs = fixturePath(name, '.inputs.npz');
    const out = join(dir, `${name}.onnx`);
    const r = await compressOnnx(fixturePath(name, '.onnx'), {
      method: 'afm',
      rank: { by: 'ratio', ratio: 1.3 },
      data: inputs,
      out,
    });
    assert.ok(r.paramsAfter < r.paramsBefore, `${name}: ${r.paramsBefore} -> ${r.paramsAfter}`);
    // A fixture whose labels are all one class has no AUC: no scores, and no crash.
    const labels = readGraphData(inputs, importGraph(readFileSync(out), out).graph.inputs).labels!;
    assert.equal(r.variants[0].metrics === null, new Set(labels).size < 2, name);

    const model = importGraph(readFileSync(out), out);
    const data = readGraphData(inputs, model.graph.inputs);
    const ours = scoreRows(model, data.inputs, data.rows, 'prob');
    const theirs = await ortProb(out, inputs);
    theirs.forEach((p, i) => assert.ok(Math.abs(p - ours[i]) <= 1e-6, `${name} row ${i}: ${p} vs ${ours[i]}`));
  }
});
