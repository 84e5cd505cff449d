import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ensureEngine } from '../../src/train/setup.js';
import { parseTrainConfig } from '../../src/train/config.js';
import { epochSteps, type EpochPlan } from '../../src/train/epoch.js';
import { fit } from '../../src/train/fit.js';
import { ProgressReporter } from '../../src/train/progress.js';
import { readMetrics } from '../../src/train/run_dir.js';
import { openSession, type TrainSession } from '../../src/train/session.js';
import { startState } from '../../src/train/start.js';
import { train } from '../../src/train/trainer.js';
import { scratchDir, toySetup } from './toy_data.js';

const quiet = (): ProgressReporter => new ProgressReporter({ mode: 'json', stream: { write: () => {} } });

async function toySession(patch: (c: Record<string, any>) => void = () => {}): Promise<TrainSession> {
  const { config } = toySetup(scratchDir('epoch'));
  patch(config);
  const parsed = parseTrainConfig(config);
  await ensureEngine(1);
  return openSession(parsed, { progress: quiet() }, performance.now());
}

function planOf(s: TrainSession, extra: Partial<EpochPlan> = {}): EpochPlan {
  const st = startState(s, false);
  return {
    model: st.model,
    optimizer: st.optimizer,
    split: s.train,
    shuffle: s.tc,
    batchSize: s.tc.batch_size,
    epoch: 1,
    badLoss: (loss, index) => new Error(`loss ${loss} at batch ${index}`),
    ...extra,
  };
}

async function collect(p: EpochPlan): Promise<{ index: number; labels: number[]; aborted: boolean }[]> {
  const out = [];
  for await (const s of epochSteps(p)) out.push({ index: s.index, labels: [...s.batch.labels], aborted: s.aborted });
  return out;
}

test('fine-tuning (fit) and the trainer take the same steps: one epoch from the same start, same loss and validation AUC', async () => {
  const s = await toySession();
  const { tc } = s;
  const st = startState(s, false);
  const r = await fit(st.model, s.train, s.validation!, {
    epochs: 1,
    exactEpochs: 1,
    batchSize: tc.batch_size,
    lr: tc.lr,
    optimizer: tc.optimizer,
    shuffle: tc,
    l2Embedding: tc.l2_embedding,
    weightDecay: tc.weight_decay,
  });
  const { config } = toySetup(scratchDir('epoch'));
  config.training.epochs = 1;
  const t = await train(parseTrainConfig(config), { progress: quiet() });
  const evalRow = readMetrics(join(t.runDir, 'metrics.jsonl')).find((x) => x.event === 'eval')!;
  assert.equal(r.steps, t.steps);
  assert.equal(r.history[1].trainLoss, evalRow.train_loss);
  assert.equal(r.history[1].valAuc, evalRow.val_auc);
});

test('epochSteps skips the batches a resumed run trained before, keeping the epoch order fixed by seed and epoch', async () => {
  const s = await toySession();
  const all = await collect(planOf(s));
  assert.deepEqual(
    all.map((x) => x.index),
    Array.from({ length: 10 }, (_, i) => i + 1),
  );
  const rest = await collect(planOf(s, { skip: 3 }));
  assert.deepEqual(rest, all.slice(3));
  const epoch2 = await collect(planOf(s, { epoch: 2 }));
  assert.notDeepEqual(
    epoch2.map((x) => x.labels),
    all.map((x) => x.labels),
  );
});

test('epochSteps: an aborted signal marks the step that finished; a non-finite loss throws the caller error before the update', async () => {
  const s = await toySession();
  const ac = new AbortController();
  ac.abort();
  const first = (await collect(planOf(s, { signal: ac.signal })))[0];
  assert.deepEqual([first.index, first.aborted], [1, true]);

  const p = planOf(s);
  const [, W] = p.model.namedParams()[0];
  W.data.fill(Number.NaN);
  const before = p.model.namedParams().map(([, t]) => [...t.data]);
  await assert.rejects(collect(p), /^Error: loss NaN at batch 1$/);
  assert.deepEqual(
    p.model.namedParams().map(([, t]) => [...t.data]),
    before,
  );
  for (const t of p.model.params()) assert.ok(!t.grad || t.grad.data.every((g) => g === 0), 'gradients zeroed');
});
