/**
 * The model pair the deployment benchmarks compare: a DeepFM trained for one epoch on
 * criteo_80k.tsv (rows split of docs/results.md: 1-64,000 train with the last 8,000 for
 * validation, 64,001-80,000 test; synthetic Criteo-like rows when the shared folder is absent) and
 * its AFM-compressed copy (ratio 3, statistics from 4 x 4,096 training rows, no fine-tuning).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { collectStats } from '../../src/compress/collect.js';
import { applyPlan } from '../../src/compress/apply.js';
import type { CompressionPlan } from '../../src/compress/plan.js';
import { selectRanks } from '../../src/compress/select.js';
import { BadRows, streamBatches, type TableSpec } from '../../src/data/index.js';
import { writeSynth } from '../../src/data/synth.js';
import { EmbeddingStore } from '../../src/embedding/store.js';
import { initEngine } from '../../src/kernels/engine.js';
import { loadModel } from '../../src/persist/model_file.js';
import { saveModel } from '../../src/persist/save_model.js';
import { tableSpecForModel } from '../../src/serve/raw_input.js';
import { Rng } from '../../src/tensor/rng.js';
import { parseTrainConfig } from '../../src/train/config.js';
import { metricsOf, scoreFile } from '../../src/train/evaluate.js';
import { ProgressReporter } from '../../src/train/progress.js';
import { train } from '../../src/train/trainer.js';

export interface PairModel {
  name: string;
  path: string;
  params: number;
  auc: number;
}

export interface CriteoPair {
  /** The raw data file (test rows are 64,001-80,000... of it: see `testRows`). */
  file: string;
  spec: TableSpec;
  testRows: [number, number];
  original: PairModel;
  compressed: PairModel;
  plan: CompressionPlan;
}

export async function criteoPair(
  dir: string,
  opts: { quick?: boolean; threads: number; log?: (msg: string) => void },
): Promise<CriteoPair> {
  const shared = process.env.SLIMCTR_SHARED_DATA ?? fileURLToPath(new URL('../../../../shared/data', import.meta.url));
  let file = join(shared, 'criteo/criteo_80k.tsv');
  if (!existsSync(file)) {
    file = join(dir, 'synth.tsv');
    await writeSynth(file, { rows: 80_000, seed: 1 });
  }
  const testRows: [number, number] = [64_001, 80_000];
  const hidden = opts.quick ? [64, 32] : [400, 400, 400];
  const config = parseTrainConfig({
    dataset: {
      format: 'criteo_tsv',
      train: file,
      cache_dir: join(dir, 'cache'),
      split: { by: 'rows', train: '1-56000', validation: '56001-64000', test: '64001-' },
    },
    features: {
      categorical: Object.fromEntries(Array.from({ length: 26 }, (_, i) => [`C${i + 1}`, { min_count: 3 }])),
      numeric: Object.fromEntries(
        Array.from({ length: 13 }, (_, i) => [`I${i + 1}`, { transform: i % 2 ? 'log1p' : 'criteo_bucket' }]),
      ),
    },
    model: { name: 'deepfm', embedding_dim: 16, hidden },
    training: { batch_size: 1024, epochs: 1, lr: 1e-3, seed: 1 },
    run: { dir: join(dir, 'run') },
  });
  const t = performance.now();
  await train(config, { progress: new ProgressReporter({ mode: 'json', stream: { write: () => true } }) });
  opts.log?.(`trained DeepFM ${hidden.join('-')} in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  await initEngine({ threads: opts.threads });
  const originalPath = join(dir, 'run', 'model.safetensors'),
    compressedPath = join(dir, 'compressed.safetensors');
  const store = new EmbeddingStore();
  const loaded = loadModel(originalPath, { store });
  const spec = await tableSpecForModel(loaded.meta.reader!, file);
  const calib = [];
  for await (const b of streamBatches(file, spec, loaded.encoders!, { batchSize: 4096 })) {
    calib.push(b);
    if (calib.length === 4) break;
  }
  const sel = selectRanks(loaded.model, collectStats(loaded.model, calib), {
    method: 'afm',
    rank: { by: 'ratio', ratio: 3 },
  });
  applyPlan(loaded.model, sel.plan, { rng: new Rng(1), store, slots: 0 }, collectStats(loaded.model, calib));
  const { kind: _k, slimctr_version: _v, params: _p, ...meta } = loaded.meta;
  saveModel(compressedPath, loaded.model, { ...meta, compression: sel.plan });
  const auc = async (path: string): Promise<number> => {
    const m = loadModel(path);
    return metricsOf(
      await scoreFile(m.model, file, spec, m.encoders!, {
        batchSize: 4096,
        rows: testRows,
        badRows: new BadRows('skip'),
      }),
    ).auc;
  };
  return {
    file,
    spec,
    testRows,
    plan: sel.plan,
    original: { name: 'DeepFM original', path: originalPath, params: sel.paramsBefore, auc: await auc(originalPath) },
    compressed: {
      name: 'DeepFM AFM x3 (no fine-tune)',
      path: compressedPath,
      params: sel.paramsAfter,
      auc: await auc(compressedPath),
    },
  };
}

/** The pair's test rows encoded once by the original model's encoders (both models share them). */
export async function encodeTestRows(
  pair: CriteoPair,
): Promise<{ rows: number; fields: number; numeric: number; ids: Int32Array; dense: Float32Array }> {
  const m = loadModel(pair.original.path);
  const fields = m.meta.features.categorical.length,
    numeric = m.meta.features.numeric.length;
  const ids: number[] = [],
    dense: number[] = [];
  let seen = 0;
  for await (const b of streamBatches(pair.file, pair.spec, m.encoders!, { batchSize: 4096 })) {
    const from = Math.max(0, pair.testRows[0] - 1 - seen),
      to = Math.min(b.rows, pair.testRows[1] - seen);
    for (let i = from * fields; i < to * fields; i++) ids.push(b.ids[i]);
    for (let i = from * numeric; i < to * numeric; i++) dense.push(b.dense[i]);
    seen += b.rows;
  }
  return { rows: ids.length / fields, fields, numeric, ids: Int32Array.from(ids), dense: Float32Array.from(dense) };
}
