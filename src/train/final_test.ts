/**
 * The end of a run: the best model scored on the test split (the score recorded in metrics.jsonl
 * and in the model file's metadata), and the bad rows skipped under on_bad_row: skip.
 */
import { existsSync } from 'node:fs';
import { loadModel, saveMetaOf } from '../persist/model_file.js';
import { saveModel } from '../persist/save_model.js';
import type { LoopState } from './checkpoint.js';
import { metricsOf, scoreBatches, type EvalMetrics } from './evaluate.js';
import { summaryOf, type TrainSession } from './session.js';

/** Scores the saved best model on the test split and records it; null without a test split or model. */
export function scoreTest(s: TrainSession, loop: LoopState): EvalMetrics | null {
  const split = s.data.splits.test;
  if (!split || split.rows === 0 || !existsSync(s.modelPath)) return null;
  const best = loadModel(s.modelPath);
  const test = metricsOf(scoreBatches(best.model, split.batches({ batchSize: s.tc.batch_size })));
  const training = best.meta.training ?? summaryOf(s, loop, loop.bestEpoch, {});
  saveModel(s.modelPath, best.model, {
    ...saveMetaOf(best.meta),
    training: {
      ...training,
      metrics: { ...training.metrics, test: { auc: test.auc, logloss: test.logloss, rows: test.rows } },
    },
  });
  const record = {
    split: 'test',
    epoch: training.epoch,
    test_auc: test.auc,
    test_logloss: test.logloss,
    test_rows: test.rows,
  };
  s.run.appendMetrics({ event: 'test', ...record });
  s.run.log(`test ${JSON.stringify(record)}`);
  s.progress.evaluation(record);
  return test;
}

/** Under on_bad_row: skip, says how many rows were skipped (with the first examples) and records it in metrics.jsonl. */
export function reportBadRows(s: TrainSession): void {
  const { config, data, run } = s;
  if (config.dataset.on_bad_row !== 'skip') return;
  // A reused cache counted its bad rows when it was built (the examples were reported then).
  const count = data.rebuilt
    ? data.badRows.count
    : Math.max(0, ...Object.values(data.splits).map((x) => x?.manifest.badRows ?? 0));
  const examples = data.rebuilt ? data.badRows.record().examples : [];
  run.appendMetrics({ event: 'bad_rows', count, examples });
  s.say(
    data.rebuilt
      ? data.badRows.summary()
      : `bad rows: ${count} skipped (counted when the data cache ${data.cacheDir} was built)`,
  );
}
