import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { stringify } from 'yaml';
import { scratchDir, toySetup } from '../train/toy_data.js';

const bin = fileURLToPath(new URL('../../../bin/slimctr.js', import.meta.url));
const slimctr = (cwd: string, ...args: string[]) =>
  spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd });

test('slimctr compress (AFM, ratio, fine-tune + control) and slimctr compare on a trained run', () => {
  const dir = scratchDir('compress');
  const { config } = toySetup(dir);
  const cfgFile = join(dir, 'toy.yaml');
  writeFileSync(cfgFile, stringify(config));
  const t = slimctr(
    dir,
    'train',
    '--config',
    cfgFile,
    '--json',
    '--training.epochs=2',
    '--model.hidden=[32,32]',
    '--model.embedding_dim=8',
  );
  assert.equal(t.status, 0, t.stderr);
  const runDir = config.run.dir as string;
  const c = slimctr(dir, 'compress', '--model', runDir, '--ratio', '1.5', '--finetune', '--epochs', '1', '--json');
  assert.equal(c.status, 0, c.stderr);
  const r = JSON.parse(c.stdout);
  const names = r.variants.map((v: { name: string }) => v.name);
  assert.deepEqual(names, ['original', 'afm', 'afm + fine-tune', 'original + same extra training']);
  // The control gets literally the fine-tuning's budget: its epochs and steps at its learning rate.
  const [, , tuned, control] = r.variants;
  assert.equal(control.fit.epochs, tuned.fit.epochs);
  assert.equal(control.fit.steps, tuned.fit.steps);
  assert.equal(control.fit.lr, tuned.fit.lr);
  assert.ok(tuned.fit.steps > 0);
  assert.ok(r.ratio.reached >= 1.5 && Math.abs(r.ratio.asked - 1.5) < 1e-9, JSON.stringify(r.ratio));
  const [orig, afm] = r.variants;
  assert.ok(afm.params * 1.5 <= orig.params, `${afm.params} vs ${orig.params}`);
  for (const v of r.variants) assert.ok(v.test.auc > 0.5 && v.test.auc <= 1, `${v.name} AUC ${v.test.auc}`);
  assert.ok(r.targets.some((x: { target: string; rank: number | null }) => x.rank !== null));
  for (const f of ['model.safetensors', 'report.json', 'control.safetensors', 'before-finetune.safetensors'])
    assert.ok(existsSync(join(r.outDir, f)), f);

  const out = join(dir, 'cmp');
  const cmp = slimctr(dir, 'compare', runDir, r.outDir, '--out', out, '--seconds', '0.2', '--repeats', '3');
  assert.equal(cmp.status, 0, cmp.stderr);
  const rows = JSON.parse(readFileSync(join(out, 'compare.json'), 'utf8'));
  assert.deepEqual(
    rows.map((x: { variant: string }) => x.variant),
    ['run', 'compressed-afm before fine-tune', 'compressed-afm fine-tuned', 'compressed-afm control'],
  );
  assert.equal(rows[1].params, afm.params);
  assert.equal(rows[1].testAuc, afm.test.auc, 'the model before fine-tuning carries its own test metrics');
  assert.equal(rows[2].testAuc, tuned.test.auc);
  assert.ok(rows[1].bytes < rows[0].bytes, 'the compressed file is smaller');
  for (const row of rows) {
    const file = readFileSync(row.file);
    assert.equal(row.bytes, file.length);
    assert.equal(row.gzipBytes, gzipSync(file, { level: 9 }).length, 'gzip level 9, as a static host sends');
    assert.ok(row.gzipBytes < row.bytes);
    assert.ok(row.latencyMs > 0 && row.throughput > 0);
    assert.equal(row.repeats, 3);
    assert.ok(row.latencyRange[0] <= row.latencyMs && row.latencyMs <= row.latencyRange[1]);
  }
  const md = readFileSync(join(out, 'compare.md'), 'utf8');
  assert.match(md, /\| variant \| parameters \| bytes on disk \| gzip bytes \|/);
  assert.ok(md.includes(`| ${rows[0].bytes.toLocaleString('en-US')} | ${rows[0].gzipBytes.toLocaleString('en-US')} |`));
  assert.ok(md.includes(`| ${afm.test.auc.toFixed(5)} |`), 'AUC to 5 decimals');
  assert.match(md, /median of 3 interleaved repeats/);
  assert.match(readFileSync(join(out, 'auc_vs_size.svg'), 'utf8'), /<circle/);
  assert.ok(existsSync(join(out, 'spectrum-compressed-afm.svg')));

  // A non-empty output folder is refused (it would mix this run's model with an older control)...
  const again = slimctr(dir, 'compress', '--model', runDir, '--ratio', '2');
  assert.equal(again.status, 2, again.stderr);
  assert.match(again.stderr, /compressed-afm is not empty .*--force/);
  // ...unless forced, and then the earlier run's control and pre-fine-tune model do not survive.
  const forced = slimctr(dir, 'compress', '--model', runDir, '--ratio', '2', '--force');
  assert.equal(forced.status, 0, forced.stderr);
  assert.ok(
    !existsSync(join(r.outDir, 'control.safetensors')) && !existsSync(join(r.outDir, 'before-finetune.safetensors')),
  );
  assert.match(forced.stdout, /ratio reached \d+\.\d\dx \(asked 2\.00x\)/);
  assert.match(forced.stdout, /output variance kept: share of the output variance/);

  const svd = slimctr(dir, 'compress', '--model', runDir, '--ratio', '2', '--method', 'svd', '--out', join(dir, 'svd'));
  assert.equal(svd.status, 0, svd.stderr);
  assert.match(svd.stdout, /weight energy kept/);
  assert.doesNotMatch(svd.stdout, /output variance kept/);

  const far = slimctr(dir, 'compress', '--model', runDir, '--ratio', '50', '--out', join(dir, 'far'));
  assert.equal(far.status, 0, far.stderr);
  assert.match(far.stderr, /cannot be reached; the smallest plan keeps \d+/);

  const bad = slimctr(dir, 'compress', '--model', runDir, '--ratio', '2', '--energy', '0.9');
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /exactly one of --ratio, --energy, --ranks/);

  // A bad --ranks target or rank is a usage error (exit 2, with the command's prefix), not a crash.
  writeFileSync(join(dir, 'nope.yaml'), 'mlp.nope: 3\n');
  writeFileSync(join(dir, 'high.yaml'), 'embedding: 100000\n');
  const noTarget = slimctr(
    dir,
    'compress',
    '--model',
    runDir,
    '--ranks',
    join(dir, 'nope.yaml'),
    '--out',
    join(dir, 'nope'),
  );
  assert.equal(noTarget.status, 2, noTarget.stderr);
  assert.match(noTarget.stderr, /^slimctr compress: --ranks: no compression target 'mlp\.nope' \(targets: /m);
  const tooHigh = slimctr(
    dir,
    'compress',
    '--model',
    runDir,
    '--ranks',
    join(dir, 'high.yaml'),
    '--out',
    join(dir, 'high'),
  );
  assert.equal(tooHigh.status, 2, tooHigh.stderr);
  assert.match(
    tooHigh.stderr,
    /^slimctr compress: --ranks: the rank of 'embedding' must be an integer in 1\.\.\d+, got 100000/m,
  );
});

test("compress --finetune on AutoInt: the reported and stored fine-tuned metrics are the saved model's (restored best weights reach the attention cache)", () => {
  const dir = scratchDir('compress-autoint');
  const { config, file } = toySetup(dir);
  config.model = { name: 'autoint', embedding_dim: 8 };
  const cfgFile = join(dir, 'toy.yaml');
  writeFileSync(cfgFile, stringify(config));
  const t = slimctr(dir, 'train', '--config', cfgFile, '--json', '--training.epochs=2');
  assert.equal(t.status, 0, t.stderr);
  const runDir = config.run.dir as string;
  // A learning rate far too high: fine-tuning gets worse, so the starting weights (epoch 0) are restored.
  const c = slimctr(
    dir,
    'compress',
    '--model',
    runDir,
    '--ratio',
    '1.3',
    '--finetune',
    '--epochs',
    '2',
    '--lr',
    '0.3',
    '--json',
  );
  assert.equal(c.status, 0, c.stderr);
  const r = JSON.parse(c.stdout);
  const tuned = r.variants.find((v: { name: string }) => v.name === 'afm + fine-tune');
  const e = slimctr(
    dir,
    'eval',
    '--model',
    join(r.outDir, 'model.safetensors'),
    '--data',
    file,
    '--rows',
    '1601-',
    '--json',
  );
  assert.equal(e.status, 0, e.stderr);
  const measured = JSON.parse(e.stdout);
  assert.ok(
    Math.abs(measured.auc - tuned.test.auc) < 1e-9,
    `eval ${measured.auc} vs reported ${tuned.test.auc} (best epoch ${tuned.fit.bestEpoch})`,
  );
  assert.ok(
    Math.abs(measured.logloss - tuned.test.logloss) < 1e-9,
    `eval ${measured.logloss} vs reported ${tuned.test.logloss}`,
  );
  // Fine-tuning patience is a setting: 1 (default) stops after the first epoch without improvement, 2 after the second.
  assert.deepEqual([tuned.fit.bestEpoch, tuned.fit.epochs], [0, 1]);
  const patient = slimctr(
    dir,
    'compress',
    '--model',
    runDir,
    '--ratio',
    '1.3',
    '--finetune',
    '--epochs',
    '3',
    '--lr',
    '0.3',
    '--patience',
    '2',
    '--force',
    '--json',
  );
  assert.equal(patient.status, 0, patient.stderr);
  const p2 = JSON.parse(patient.stdout).variants.find((v: { name: string }) => v.name === 'afm + fine-tune');
  assert.deepEqual([p2.fit.bestEpoch, p2.fit.epochs], [0, 2]);
});
