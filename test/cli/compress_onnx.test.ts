import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readGraphData } from '../../src/data/formats/graph_data.js';
import { decodeOnnx } from '../../src/io/onnx/read.js';
import { fixturePath, ortProb } from '../models/onnx/fixture_files.js';
import { scratchDir } from '../train/toy_data.js';

const bin = fileURLToPath(new URL('../../../bin/slimctr.js', import.meta.url));
const slimctr = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });

/** slimctr's own probabilities for the written model (predict --onnx). */
function slimctrProbs(file: string, inputs: string, dir: string): number[] {
  const out = join(dir, 'p.csv');
  const r = slimctr('predict', '--onnx', file, '--data', inputs, '--output', out, '--force', '--quiet');
  assert.equal(r.status, 0, r.stderr);
  return readFileSync(out, 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => Number(l.split(',').pop()));
}

test('compress --onnx writes a smaller ONNX model that onnxruntime and slimctr score alike, and a report beside it', async () => {
  const dir = scratchDir('compress-onnx');
  const name = 'deepfm_matrix_op17';
  const inputs = fixturePath(name, '.inputs.npz');
  const out = join(dir, 'model.slim.onnx');
  const r = slimctr('compress', '--onnx', fixturePath(name, '.onnx'), '--data', inputs, '--ratio', '1.5', '--out', out);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /\| original +\| (\d+) +\| [\d.]+ +\| 0\.\d{5} \|/);
  const [, before, after] = /(\d+) -> (\d+) parameters/.exec(r.stdout)!.map(Number);
  assert.ok(after <= before / 1.5, `${before} -> ${after} parameters`);
  const report = JSON.parse(readFileSync(join(dir, 'model.slim.report.json'), 'utf8'));
  assert.equal(report.paramsAfter, after);
  assert.ok(Object.keys(report.ranks).length > 0);
  assert.equal(report.variants[0].name, 'original');

  const theirs = await ortProb(out, inputs);
  const ours = slimctrProbs(out, inputs, dir);
  theirs.forEach((p, i) => assert.ok(Math.abs(p - ours[i]) <= 1e-5, `row ${i}: onnxruntime ${p}, slimctr ${ours[i]}`));

  // compare --onnx puts the two side by side on the same inputs.
  const cmp = slimctr(
    'compare',
    '--onnx',
    fixturePath(name, '.onnx'),
    out,
    '--data',
    inputs,
    '--seconds',
    '0.05',
    '--repeats',
    '1',
  );
  assert.equal(cmp.status, 0, cmp.stderr);
  assert.match(
    cmp.stdout,
    new RegExp(
      `\\| ${name} \\| ${before.toLocaleString('en-US')} \\| [\\d,]+ \\| [\\d,]+ \\| 0\\.\\d{5} \\| \\d\\.\\d{5} \\|`,
    ),
  );
  assert.match(cmp.stdout, new RegExp(`\\| model\\.slim \\| ${after.toLocaleString('en-US')} \\|`));
  const noData = slimctr('compare', '--onnx', out);
  assert.equal(noData.status, 2);
  assert.match(noData.stderr, /--onnx needs --data/);

  // An existing output is refused without --force, and nothing is left half-written.
  const again = slimctr(
    'compress',
    '--onnx',
    fixturePath(name, '.onnx'),
    '--data',
    inputs,
    '--ratio',
    '1.5',
    '--out',
    out,
  );
  assert.equal(again.status, 2);
  assert.match(again.stderr, /model\.slim\.onnx exists; pass --force/);
  assert.deepEqual(readdirSync(dir).sort(), ['model.slim.onnx', 'model.slim.report.json', 'p.csv']);
});

test('compress --onnx --finetune trains the compressed graph and a control, and needs labels', async () => {
  const dir = scratchDir('compress-onnx-ft');
  const name = 'mlp_fields_op13';
  const inputs = fixturePath(name, '.inputs.npz');
  const out = join(dir, 'small.onnx');
  const args = ['compress', '--onnx', fixturePath(name, '.onnx'), '--data', inputs, '--ratio', '1.3', '--out', out];
  const r = slimctr(...args, '--finetune', '--epochs', '2', '--batch', '4', '--lr', '0.01', '--json');
  assert.equal(r.status, 0, r.stderr);
  const result = JSON.parse(r.stdout);
  const names = result.variants.map((v: { name: string }) => v.name);
  assert.deepEqual(names, [
    'original',
    'compressed, before fine-tuning',
    'compressed, fine-tuned',
    'original + same training (control)',
  ]);
  const [, pre, tuned, control] = result.variants;
  assert.equal(tuned.fit.epochs, control.fit.epochs, 'the control trains as many epochs');
  assert.ok(tuned.metrics.auc >= pre.metrics.auc, 'fine-tuning keeps its best weights (the start included)');
  // The fine-tuned weights are what the file holds: onnxruntime scores them like slimctr.
  const theirs = await ortProb(out, inputs);
  const ours = slimctrProbs(out, inputs, dir);
  theirs.forEach((p, i) => assert.ok(Math.abs(p - ours[i]) <= 1e-5, `row ${i}`));

  // Without labels there is nothing to fine-tune on.
  const unlabelled = join(dir, 'x.csv');
  const graph = decodeOnnx(readFileSync(fixturePath(name, '.onnx')), name);
  const data = readGraphData(inputs, graph.inputs);
  const cols = graph.inputs.map((v) => v.name);
  const lines = [cols.join(',')];
  for (let i = 0; i < data.rows; i++) lines.push(cols.map((c) => data.inputs.get(c)!.data[i]).join(','));
  writeFileSync(unlabelled, `${lines.join('\n')}\n`);
  const bad = slimctr(
    'compress',
    '--onnx',
    fixturePath(name, '.onnx'),
    '--data',
    unlabelled,
    '--ratio',
    '1.3',
    '--out',
    join(dir, 'b.onnx'),
    '--finetune',
  );
  assert.equal(bad.status, 2, bad.stderr);
  assert.match(bad.stderr, /--finetune needs a 'label' array in .*x\.csv/);
  assert.ok(!existsSync(join(dir, 'b.onnx')));
});
