import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { scratchDir, toySetup } from '../train/toy_data.js';

const bin = fileURLToPath(new URL('../../../bin/slimctr.js', import.meta.url));

/** Starts slimctr, sends `signals` (one per `gapMs`) once stdout+stderr match `ready` (null: at start), and resolves at exit. */
function runAndSignal(
  cwd: string,
  args: string[],
  ready: RegExp | null,
  signals: NodeJS.Signals[],
  gapMs = 300,
): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd });
    let out = '',
      err = '',
      sent = false;
    const check = (): void => {
      if (sent || (ready && !ready.test(out + err))) return;
      sent = true;
      signals.forEach((s, i) => setTimeout(() => child.kill(s), gapMs * (i + 1)));
    };
    child.stdout.on('data', (d) => {
      out += d;
      check();
    });
    child.stderr.on('data', (d) => {
      err += d;
      check();
    });
    child.on('error', reject);
    if (!ready) check();
    child.on('exit', (code) => resolve({ code, out, err }));
  });
}

/** A toy run long enough to be interrupted: many epochs of small batches. */
function longRun(tag: string): { dir: string; cfgFile: string; runDir: string; file: string } {
  const dir = scratchDir(tag);
  const { file, config } = toySetup(dir, 6000);
  config.model = { name: 'deepfm', embedding_dim: 8, hidden: [32, 16] };
  config.training = { ...config.training, epochs: 500, batch_size: 16, early_stop_patience: 0 };
  config.dataset.split = { by: 'rows', train: '1-5000', validation: '5001-5500', test: '5501-' };
  const cfgFile = join(dir, 'long.yaml');
  writeFileSync(cfgFile, stringify(config));
  return { dir, cfgFile, runDir: config.run.dir as string, file };
}

const temps = (folder: string): string[] => readdirSync(folder).filter((f) => f.endsWith('.tmp'));

test('train: SIGINT finishes the step, writes a checkpoint, says so and exits 130; --resume continues from it', async () => {
  const { dir, cfgFile, runDir } = longRun('sigint');
  const r = await runAndSignal(dir, ['train', '--config', cfgFile, '--json'], /parameters/, ['SIGINT']);
  assert.equal(r.code, 130, r.err);
  assert.match(r.err, /SIGINT received; finishing the step and writing a checkpoint/);
  const m = /interrupted: checkpoint written to (\S+), leaving at step (\d+) \(epoch (\d+)/.exec(r.out);
  assert.ok(m, r.out);
  assert.ok(existsSync(join(runDir, 'checkpoint.safetensors')));
  assert.deepEqual(temps(runDir), []);
  const epoch = Number(m[3]);
  const resumed = spawnSync(
    process.execPath,
    [bin, 'train', '--resume', runDir, '--json', `--training.epochs=${epoch}`],
    { encoding: 'utf8', cwd: dir },
  );
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.match(resumed.stdout, new RegExp(`resuming at epoch ${epoch}, batch \\d+, step ${m[2]}`));
  assert.ok(existsSync(join(runDir, 'model.safetensors')));
});

test('train: SIGTERM exits 143 with a checkpoint; a second signal quits at once leaving only complete files', async () => {
  const { dir, cfgFile } = longRun('sigterm');
  const r = await runAndSignal(dir, ['train', '--config', cfgFile, '--json'], /parameters/, ['SIGTERM']);
  assert.equal(r.code, 143, r.err);
  assert.match(r.out, /interrupted: checkpoint written/);

  const again = longRun('sigint2');
  const twice = await runAndSignal(
    again.dir,
    ['train', '--config', again.cfgFile, '--json'],
    /parameters/,
    ['SIGINT', 'SIGINT'],
    5,
  );
  assert.equal(twice.code, 130, twice.err);
  assert.deepEqual(temps(again.runDir), []);
  for (const f of ['config.yaml', 'metrics.jsonl', 'log.txt']) assert.ok(existsSync(join(again.runDir, f)), f);
});

test('synth and predict: SIGINT stops them with 130, no output file and no temp file', async () => {
  const dir = scratchDir('sigsynth');
  const out = join(dir, 'big.tsv');
  const s = await runAndSignal(dir, ['synth', '--rows', '50000000', '--out', out], null, ['SIGINT'], 1500);
  assert.equal(s.code, 130, s.err);
  assert.match(s.err, /interrupted: .*big\.tsv was not written/);
  assert.equal(existsSync(out), false);
  assert.deepEqual(temps(dir), []);

  const { file, config } = toySetup(dir, 400);
  const cfg = join(dir, 'toy.yaml');
  writeFileSync(cfg, stringify({ ...config, training: { ...config.training, epochs: 1 } }));
  assert.equal(spawnSync(process.execPath, [bin, 'train', '--config', cfg, '--json'], { cwd: dir }).status, 0);
  // A big input to score: the toy rows repeated.
  const rows = readFileSync(file, 'utf8').split('\n').slice(1).filter(Boolean);
  const bigInput = join(dir, 'many.csv');
  writeFileSync(
    bigInput,
    `label,I1,I2,C1,C2,C3,C4\n${Array.from({ length: 1500 }, () => rows.join('\n')).join('\n')}\n`,
  );
  const preds = join(dir, 'preds.csv');
  const p = await runAndSignal(
    dir,
    ['predict', '--model', config.run.dir, '--input', bigInput, '--output', preds, '--batch', '64'],
    /predict: \d+ rows/,
    ['SIGINT'],
    10,
  );
  assert.equal(p.code, 130, p.err);
  assert.match(p.err, /interrupted after \d+ rows: .*preds\.csv was not written/);
  assert.equal(existsSync(preds), false);
  assert.deepEqual(temps(dir), []);
});

test('compress: SIGINT during fine-tuning finishes the step, saves the compressed model with its best weights and exits 130', async () => {
  const dir = scratchDir('sigcompress');
  const { config } = toySetup(dir, 3000);
  config.training = { ...config.training, epochs: 1, batch_size: 16 };
  const cfg = join(dir, 'toy.yaml');
  writeFileSync(cfg, stringify(config));
  assert.equal(spawnSync(process.execPath, [bin, 'train', '--config', cfg, '--json'], { cwd: dir }).status, 0);
  const out = join(dir, 'small');
  const r = await runAndSignal(
    dir,
    [
      'compress',
      '--model',
      config.run.dir,
      '--ratio',
      '2',
      '--finetune',
      '--epochs',
      '500',
      '--patience',
      '500',
      '--out',
      out,
    ],
    /fine-tuning/,
    ['SIGINT'],
  );
  assert.equal(r.code, 130, r.err);
  assert.match(r.err, /interrupted in epoch \d+: keeping the best weights so far/);
  assert.match(
    r.err,
    /interrupted: wrote .*small\/model\.safetensors \(fine-tuning stopped early, best weights kept\)/,
  );
  const e = spawnSync(process.execPath, [bin, 'eval', '--model', out, '--data', join(dir, 'toy.csv'), '--json'], {
    encoding: 'utf8',
    cwd: dir,
  });
  assert.equal(e.status, 0, e.stderr);
  assert.equal(existsSync(join(out, 'report.json')), false);
  assert.deepEqual(temps(out), []);
});
