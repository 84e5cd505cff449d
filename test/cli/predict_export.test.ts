import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { BadRows } from '../../src/data/index.js';
import { sigmoid64 } from '../../src/models/predict.js';
import { scoreFile } from '../../src/train/evaluate.js';
import { loadModel, type LoadedModel } from '../../src/persist/model_file.js';
import { tableSpecForModel } from '../../src/serve/raw_input.js';
import { csvRows, loadToy, maxGap, referenceProbs, toyRun, type ToyRun } from '../serve/fixture.js';

const bin = fileURLToPath(new URL('../../../bin/slimctr.js', import.meta.url));
const slimctr = (cwd: string, ...args: string[]) =>
  spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd });

let run: ToyRun;
before(async () => {
  run = await toyRun('predict');
});

const readPreds = (file: string) => readFileSync(file, 'utf8').trim().split('\n');

test("slimctr predict writes one probability per row, equal to eval's logits through a sigmoid", async () => {
  const out = join(run.dir, 'preds.csv');
  const r = slimctr(run.dir, 'predict', '--model', run.runDir, '--input', run.file, '--output', out, '--batch', '300');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /predict: wrote 2000 predictions/);
  const [head, ...lines] = readPreds(out);
  assert.equal(head, 'label,probability');
  assert.equal(lines.length, 2000);
  const { model, meta, encoders } = loadToy(run);
  const scored = await scoreFile(model, run.file, await tableSpecForModel(meta.reader!, run.file), encoders!, {
    batchSize: 512,
    badRows: new BadRows(),
  });
  const probs = lines.map((l) => Number(l.split(',')[1]));
  assert.ok(maxGap(probs, Array.from(scored.logits, sigmoid64)) < 1e-6);
  assert.deepEqual(
    lines.map((l) => Number(l.split(',')[0])),
    Array.from(scored.labels),
  );
  assert.ok(probs.every((p) => p > 0 && p < 1));
  assert.ok(new Set(probs).size > 50, 'the probabilities vary with the rows');
});

test('slimctr predict on an unlabeled file (label column dropped) gives the same probabilities', () => {
  const unlabeled = join(run.dir, 'nolabel.csv');
  writeFileSync(
    unlabeled,
    readFileSync(run.file, 'utf8')
      .split('\n')
      .map((l) => l.slice(l.indexOf(',') + 1))
      .join('\n'),
  );
  const out = join(run.dir, 'preds2.csv');
  const r = slimctr(run.dir, 'predict', '--model', run.modelPath, '--input', unlabeled, '--output', out, '--quiet');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');
  const [head, ...lines] = readPreds(out);
  assert.equal(head, 'probability');
  const labelled = readPreds(join(run.dir, 'preds.csv'))
    .slice(1)
    .map((l) => l.split(',')[1]);
  assert.deepEqual(lines, labelled);
  const ref = referenceProbs(loadToy(run), csvRows(run.file).slice(0, 20));
  assert.ok(maxGap(lines.slice(0, 20).map(Number), ref) < 1e-6);
});

test('slimctr predict stops at a bad row naming it and leaves no output (nor temp file) behind', () => {
  const bad = join(run.dir, 'bad.csv');
  const text = readFileSync(run.file, 'utf8').split('\n');
  text[1500] = '1,7,notanumber,a1,b1,c1,d1';
  writeFileSync(bad, text.join('\n'));
  const out = join(run.dir, 'bad_preds.csv');
  const r = slimctr(run.dir, 'predict', '--model', run.runDir, '--input', bad, '--output', out, '--quiet');
  assert.equal(r.status, 1);
  assert.match(r.stderr, /bad\.csv:1501:3: unparsable number 'notanumber'/);
  assert.ok(!existsSync(out));
  assert.deepEqual(
    readdirSync(run.dir).filter((f) => f.includes('bad_preds')),
    [],
  );
  assert.equal(
    slimctr(run.dir, 'predict', '--model', run.runDir, '--input', bad).status,
    2,
    'missing --output is a usage error',
  );
});

/** onnxruntime's probabilities from an exported file, against slimctr's for the same raw rows. */
async function onnxGap(onnxFile: string, loaded: LoadedModel): Promise<number> {
  const enc = loaded.encoders!;
  const rows = csvRows(run.file).slice(0, 64);
  const ids = new BigInt64Array(rows.length * enc.numCategorical),
    dense = new Float32Array(rows.length * enc.numDense);
  rows.forEach((row, i) => {
    const e = enc.encodeRow(row);
    e.ids.forEach((v, j) => (ids[i * enc.numCategorical + j] = BigInt(v)));
    dense.set(e.dense, i * enc.numDense);
  });
  const session = await ort.InferenceSession.create(readFileSync(onnxFile));
  const out = await session.run({
    ids: new ort.Tensor('int64', ids, [rows.length, enc.numCategorical]),
    dense: new ort.Tensor('float32', dense, [rows.length, enc.numDense]),
  });
  await session.release();
  return maxGap(out.prob.data as Float32Array, referenceProbs(loaded, rows));
}

test('slimctr export writes an ONNX file onnxruntime runs with the same probabilities; unknown formats are refused', async () => {
  const onnxFile = join(run.dir, 'model.onnx');
  const r = slimctr(run.dir, 'export', '--model', run.runDir, '--format', 'onnx', '--out', onnxFile);
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /quantized/);
  assert.ok((await onnxGap(onnxFile, loadToy(run))) < 1e-5);
  const bad = slimctr(
    run.dir,
    'export',
    '--model',
    run.runDir,
    '--format',
    'tflite',
    '--out',
    join(run.dir, 'x.tflite'),
  );
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /slimctr export: --format: must be one of onnx, got 'tflite'/);
  assert.ok(!existsSync(join(run.dir, 'x.tflite')));
});

test('slimctr export of a --quantize int4 model keeps it quantized, says so in one line, and onnxruntime gives its probabilities', async () => {
  const out = join(run.dir, 'int4');
  const c = slimctr(run.dir, 'compress', '--model', run.runDir, '--quantize', 'int4', '--out', out);
  assert.equal(c.status, 0, c.stderr);
  const onnxFile = join(run.dir, 'int4.onnx');
  const r = slimctr(run.dir, 'export', '--model', out, '--out', onnxFile);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 2, r.stderr);
  assert.match(
    lines[1],
    /^export: quantized tensors: \d+ 4-bit tables as UINT8 bytes of two levels, split in the graph \(opset 17 has no 4-bit type\); \d+ int8 weights? as INT8/,
  );
  assert.ok((await onnxGap(onnxFile, loadModel(join(out, 'model.safetensors')))) < 1e-5);
  const floatFile = join(run.dir, 'float.onnx');
  assert.equal(slimctr(run.dir, 'export', '--model', run.runDir, '--out', floatFile).status, 0);
  const [q, f] = [statSync(onnxFile).size, statSync(floatFile).size];
  // The toy model is a few hundred weights, so the graph itself weighs most (test/serve/onnx_quantized measures a bigger one).
  assert.ok(q < f, `int4 export ${q} bytes, float export ${f} bytes`);
});
