import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readModelParts } from '../../src/persist/model_file.js';
import { parseTrainConfig } from '../../src/train/config.js';
import { ProgressReporter } from '../../src/train/progress.js';
import { readMetrics } from '../../src/train/run_dir.js';
import { train, type TrainOptions } from '../../src/train/trainer.js';
import { TrainingError } from '../../src/util/errors.js';
import { scratchDir, toySetup } from './toy_data.js';

/** Progress into a string (json mode), so tests stay quiet. */
function quiet(): { progress: ProgressReporter; text: () => string } {
  let s = '';
  return {
    progress: new ProgressReporter({ mode: 'json', stream: { write: (t: string) => (s += t) } }),
    text: () => s,
  };
}

async function runToy(patch: (c: Record<string, any>) => void = () => {}, opts: TrainOptions = {}, dir = scratchDir()) {
  const { config } = toySetup(dir);
  patch(config);
  const out = quiet();
  const result = await train(parseTrainConfig(config), { progress: out.progress, ...opts });
  return { result, dir, runDir: config.run.dir as string, config, output: out.text() };
}

const evals = (runDir: string) => readMetrics(join(runDir, 'metrics.jsonl')).filter((r) => r.event === 'eval');
const strip = (rows: Record<string, unknown>[]) => rows.map(({ elapsed_s: _t, ...r }) => r);

test('a run learns, writes its folder, keeps the best model and scores the test split', async (t) => {
  const { result, runDir, output } = await runToy();
  for (const f of ['config.yaml', 'metrics.jsonl', 'log.txt', 'model.safetensors', 'checkpoint.safetensors'])
    assert.ok(existsSync(join(runDir, f)), f);
  const rows = evals(runDir);
  assert.equal(rows.length, 3);
  t.diagnostic(
    `validation AUC by epoch: ${evals(runDir)
      .map((r) => r.val_auc)
      .join(' ')}; test ${result.test?.auc}`,
  );
  assert.ok(result.best && result.best.auc > 0.7, `best validation AUC ${result.best?.auc}`);
  assert.equal(result.best.auc, Math.max(...rows.map((r) => r.val_auc as number)));
  assert.ok(result.test && result.test.rows === 400 && result.test.auc > 0.65, `test ${JSON.stringify(result.test)}`);
  const meta = readModelParts(join(runDir, 'model.safetensors')).meta;
  assert.equal(meta.training?.epoch, result.best.epoch);
  assert.equal(meta.training?.metrics.test.auc, result.test.auc);
  assert.equal(meta.encoders?.categorical.length, 5, 'C1..C4 and the bucketed I1');
  const lines = output
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.equal(
    lines.filter((l) => l.event === 'eval').length,
    4,
    'one JSON object per evaluation (3 validation + test)',
  );
});

test('two runs with the same seed give identical metrics; another seed does not', async () => {
  const a = await runToy((c) => (c.training.epochs = 2));
  const b = await runToy((c) => (c.training.epochs = 2));
  const other = await runToy((c) => Object.assign(c.training, { epochs: 2, seed: 6 }));
  assert.deepEqual(strip(evals(b.runDir)), strip(evals(a.runDir)));
  assert.equal(b.result.test!.auc, a.result.test!.auc);
  assert.notDeepEqual(strip(evals(other.runDir)), strip(evals(a.runDir)));
});

test('resume from a checkpoint continues the epochs and reaches the same metrics as an uninterrupted run', async () => {
  const straight = await runToy((c) => Object.assign(c.training, { eval_every: 4, early_stop_patience: 0 }));
  const dir = scratchDir();
  const first = await runToy(
    (c) => Object.assign(c.training, { eval_every: 4, early_stop_patience: 0 }),
    { stopAfterEpochs: 1 },
    dir,
  );
  assert.equal(first.result.interrupted, true);
  assert.equal(first.result.epochs, 1);
  assert.equal(first.result.test, null);
  const resumed = await runToy(
    (c) => Object.assign(c.training, { eval_every: 4, early_stop_patience: 0 }),
    { resume: first.runDir },
    dir,
  );
  assert.equal(resumed.result.epochs, 3);
  assert.deepEqual(strip(evals(first.runDir)), strip(evals(straight.runDir)));
  assert.equal(resumed.result.test!.auc, straight.result.test!.auc);
});

test('resume from a mid-epoch checkpoint skips the batches already trained', async () => {
  const patch = (c: Record<string, any>) =>
    Object.assign(c.training, { eval_every: 4, early_stop_patience: 0, epochs: 2 });
  const straight = await runToy(patch);
  const dir = scratchDir();
  const first = await runToy(patch, { stopAtStep: 12 }, dir);
  assert.equal(first.result.interrupted, true);
  assert.equal(first.result.steps, 12);
  const resumed = await runToy(patch, { resume: first.runDir }, dir);
  assert.equal(resumed.result.steps, 20);
  assert.deepEqual(strip(evals(first.runDir)), strip(evals(straight.runDir)));
  assert.equal(resumed.result.test!.auc, straight.result.test!.auc);
});

test('an aborted run (Ctrl-C) checkpoints the step it is at and resumes from there', async () => {
  const straight = await runToy((c) => (c.training.epochs = 1));
  const dir = scratchDir();
  const ac = new AbortController();
  ac.abort();
  const first = await runToy((c) => (c.training.epochs = 1), { signal: ac.signal }, dir);
  assert.equal(first.result.interrupted, true);
  assert.equal(first.result.steps, 1);
  const resumed = await runToy((c) => (c.training.epochs = 1), { resume: first.runDir }, dir);
  assert.equal(resumed.result.steps, 10);
  assert.deepEqual(strip(evals(first.runDir)), strip(evals(straight.runDir)));
});

test('a non-finite loss stops training with an error naming the step', async () => {
  await assert.rejects(
    runToy((c) => Object.assign(c.training, { optimizer: 'sgd', lr: 1e30 })),
    (e: unknown) =>
      e instanceof TrainingError &&
      /training loss became (NaN|Infinity) at step \d+ \(epoch 1, batch \d+\/10\)/.test(e.message),
  );
});

test('early stopping and learning-rate decay show in the metrics', async () => {
  const { result, runDir } = await runToy((c) =>
    Object.assign(c.training, { epochs: 30, lr: 0.05, early_stop_patience: 2, lr_patience: 1 }),
  );
  assert.equal(result.stoppedEarly, true);
  const rows = evals(runDir);
  assert.ok(rows.length < 30);
  const lrs = rows.map((r) => r.lr as number);
  assert.ok(lrs[lrs.length - 1] < lrs[0], `lr ${lrs.join(' ')}`);
  assert.deepEqual(
    rows.slice(-2).map((r) => r.improved),
    [false, false],
  );
});
