import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readNpz } from '../../src/data/formats/npz.js';
import { buildOnnx } from '../io/onnx/build.js';
import { fixturePath } from '../models/onnx/fixture_files.js';
import { scratchDir } from '../train/toy_data.js';

const bin = fileURLToPath(new URL('../../../bin/slimctr.js', import.meta.url));
const slimctr = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });

test('slimctr inspect-onnx prints inputs, outputs, op counts and the compressible parts with their weight', () => {
  const r = slimctr('inspect-onnx', fixturePath('mlp_matrix_op17', '.onnx'));
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /ONNX IR \d+, opset 17, from pytorch/);
  assert.match(
    r.stdout,
    /inputs:\n {2}ids: int64 \[batch, 3\]\n {2}dense: float \[batch, 2\]\noutputs:\n {2}prob: float \[batch, 1\]/,
  );
  assert.match(r.stdout, /ops \(28 nodes\): Constant 6, Gather 6, Gemm 3, Unsqueeze 3, BatchNormalization 2, /);
  assert.match(r.stdout, /compressible: 4 parts, 234 values, 0\.001 MiB \(74\.3% of the weights\)/);
  assert.match(
    r.stdout,
    /\| table +\| emb\.table\.weight +\| 7 x 4 +\| 28 +\| 112 +\| \/emb\/table\/Gather \/emb\/table_1\/Gather \/emb\/table_2\/Gather \|/,
  );
  assert.match(r.stdout, /\| linear +\| body\.0\.weight +\| 14 -> 10 +\| 140 +\| 560 +\|/);
  const help = slimctr('--help');
  assert.match(help.stdout, /inspect-onnx +describe an ONNX model/);
  const bad = slimctr('inspect-onnx', fixturePath('mlp_matrix_op17', '.inputs.npz'));
  assert.equal(bad.status, 1);
  assert.match(
    bad.stderr,
    /^slimctr inspect-onnx: .*mlp_matrix_op17\.inputs\.npz: not (a readable ONNX model|an ONNX model)/,
  );
});

test("slimctr predict --onnx scores .npz and CSV inputs in slimctr's engine, matching PyTorch", () => {
  const dir = scratchDir('onnx-cli');
  const name = 'attention_fields_op17';
  const expected = readNpz(fixturePath(name, '.expected.npz')).get('prob')!.data;
  const inputs = readNpz(fixturePath(name, '.inputs.npz'));
  const out = join(dir, 'p.csv');
  const r = slimctr(
    'predict',
    '--onnx',
    fixturePath(name, '.onnx'),
    '--data',
    fixturePath(name, '.inputs.npz'),
    '--output',
    out,
    '--threads',
    '1',
  );
  assert.equal(r.status, 0, r.stderr);
  const lines = readFileSync(out, 'utf8').trim().split('\n');
  assert.equal(lines[0], 'label,prob');
  assert.equal(lines.length, 1 + expected.length);
  lines.slice(1).forEach((l, i) => {
    const [label, p] = l.split(',').map(Number);
    assert.equal(label, inputs.get('label')!.data[i]);
    assert.ok(Math.abs(p - expected[i]) < 1e-5, `row ${i}: ${p} vs ${expected[i]}`);
  });
  // An existing output is kept unless --force.
  const again = slimctr(
    'predict',
    '--onnx',
    fixturePath(name, '.onnx'),
    '--data',
    fixturePath(name, '.inputs.npz'),
    '--output',
    out,
  );
  assert.equal(again.status, 2);
  assert.match(again.stderr, /--output .*p\.csv already exists; pass --force to replace it/);
  assert.equal(
    slimctr(
      'predict',
      '--onnx',
      fixturePath(name, '.onnx'),
      '--data',
      fixturePath(name, '.inputs.npz'),
      '--output',
      out,
      '--force',
      '--quiet',
    ).status,
    0,
  );
  // The same rows as CSV, without labels.
  const cols = ['f0', 'f1', 'f2', 'd0', 'd1'];
  const csv = join(dir, 'in.csv');
  writeFileSync(
    csv,
    [cols.join(','), ...Array.from(expected, (_, i) => cols.map((c) => inputs.get(c)!.data[i]).join(','))].join('\n') +
      '\n',
  );
  const out2 = join(dir, 'p2.csv');
  const r2 = slimctr('predict', '--onnx', fixturePath(name, '.onnx'), '--data', csv, '--output', out2, '--quiet');
  assert.equal(r2.status, 0, r2.stderr);
  assert.equal(r2.stderr, '');
  const probs = readFileSync(out2, 'utf8').trim().split('\n');
  assert.equal(probs[0], 'prob');
  assert.deepEqual(
    probs.slice(1),
    lines.slice(1).map((l) => l.split(',')[1]),
  );
});

test('slimctr predict --onnx: a model with an unsupported op, or bad inputs, exits 1 with the reason and writes nothing', () => {
  const dir = scratchDir('onnx-cli');
  const model = join(dir, 'erf.onnx');
  writeFileSync(
    model,
    buildOnnx({
      nodes: [{ op: 'Erf', inputs: ['x'], outputs: ['y'], name: 'gelu/erf' }],
      inputs: [{ name: 'x', type: 'float', dims: ['batch'] }],
      outputs: [{ name: 'y', type: 'float', dims: ['batch'] }],
      opset: 14,
    }),
  );
  const csv = join(dir, 'x.csv');
  writeFileSync(csv, 'x\n0.5\n');
  const out = join(dir, 'p.csv');
  const r = slimctr('predict', '--onnx', model, '--data', csv, '--output', out);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /slimctr predict: .*erf\.onnx: node 'gelu\/erf' \(Erf, opset 14\): op Erf is not supported/);
  const wrong = join(dir, 'wrong.csv');
  writeFileSync(wrong, 'z\n0.5\n');
  const r2 = slimctr('predict', '--onnx', fixturePath('dcn_flat_op13', '.onnx'), '--data', wrong, '--output', out);
  assert.equal(r2.status, 1);
  assert.match(r2.stderr, /wrong\.csv:1: no column 'x\.0' for the graph input 'x' \(float \[batch, 5\]\)/);
  assert.throws(() => readFileSync(out), /ENOENT/);
});
