import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadTrainConfig } from '../../src/train/config.js';
import { ProgressReporter } from '../../src/train/progress.js';
import { train } from '../../src/train/trainer.js';
import { sharedDataDir } from '../helpers.js';
import { scratchDir } from './toy_data.js';

const example = fileURLToPath(new URL('../../../examples/criteo_deepfm.yaml', import.meta.url));
const shared = sharedDataDir();

// Logistic regression only (a few seconds); DeepFM's acceptance run (~25 s) is by hand: see examples/criteo_deepfm.yaml.
test('the example config trains LR on the real Criteo sample (row splits) to a sensible test AUC', {
  skip: shared ? false : 'shared data folder absent (../shared/data)',
}, async (t) => {
  const dir = scratchDir('criteo');
  const { config } = loadTrainConfig({
    file: example,
    args: [
      '--model.name=lr',
      '--training.lr=0.01',
      `--dataset.train=${join(shared!, 'criteo', 'criteo_80k.tsv')}`,
      `--dataset.cache_dir=${join(dir, 'cache')}`,
      `--run.dir=${join(dir, 'run')}`,
    ],
  });
  const r = await train(config, { progress: new ProgressReporter({ mode: 'json', stream: { write: () => true } }) });
  t.diagnostic(
    `LR on criteo_80k: best validation AUC ${r.best?.auc.toFixed(4)} (epoch ${r.best?.epoch}), test AUC ${r.test?.auc.toFixed(4)}, ${r.seconds.toFixed(1)} s`,
  );
  assert.equal(r.test?.rows, 16000);
  assert.ok(r.test && r.test.auc > 0.755, `test AUC ${r.test?.auc}`);
});
