/**
 * The compress job on a trained run folder: statistics on the training split (or a sample),
 * rank selection, factorization, evaluation on the test split, optional fine-tuning with early
 * stopping on validation AUC, and the same extra training given to the original as a control.
 * Writes a folder with the compressed model.safetensors, report.json (per-target report, spectra,
 * metrics) and the control model when one was trained.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { applyPlan } from '../compress/apply.js';
import { collectStats, type ModelStats } from '../compress/collect.js';
import { compressionReport, type TargetReport } from '../compress/report.js';
import { selectRanks, type RankChoice } from '../compress/select.js';
import { readConfigFile } from '../config/load.js';
import { prepareData, type CachedSplit } from '../data/index.js';
import { EmbeddingStore } from '../embedding/store.js';
import type { CTRModel } from '../models/model.js';
import { SLOTS } from '../optim/optimizer.js';
import { loadModel, saveMetaOf, saveModel, type ModelMeta } from '../persist/model_file.js';
import { Rng } from '../tensor/rng.js';
import { writeFileAtomic } from '../io/atomic.js';
import { parseTrainConfig, type TrainConfig } from '../train/config.js';
import { metricsOf, scoreBatches, type EvalMetrics } from '../train/evaluate.js';
import { fit, type FitResult } from '../train/fit.js';
import { ensureEngine } from '../train/setup.js';
import { MODEL_FILE } from '../train/trainer.js';
import { UsageError } from '../util/errors.js';

export interface CompressOptions extends RankChoice {
  /** Rows of the training split for statistics (all when omitted). */
  statsRows?: number;
  finetune?: boolean;
  /** Also give the original the same extra training (default: with --finetune). */
  control?: boolean;
  /** Fine-tuning epochs at most (early stopping decides). */
  epochs?: number;
  /** Fine-tuning learning rate (default: the run's lr / 10). */
  lr?: number;
  out?: string;
  threads?: number;
  log?: (msg: string) => void;
}

export interface VariantResult {
  name: string;
  params: number;
  test: EvalMetrics | null;
  fit?: FitResult;
  path?: string;
}

export interface CompressResult {
  outDir: string;
  plan: ReturnType<typeof selectRanks>['plan'];
  targets: TargetReport[];
  spectra: Record<string, number[]>;
  variants: VariantResult[];
}

/** Metadata to save a derived model with: the source's, with this model's test metrics. */
function withTest(m: ModelMeta, test: EvalMetrics | null): ReturnType<typeof saveMetaOf> {
  const training = { ...(m.training ?? { epoch: 0, step: 0 }), metrics: { ...(m.training?.metrics ?? {}), ...(test ? { test: { ...test } } : {}) } };
  return { ...saveMetaOf(m), training };
}

function spectraOf(stats: ModelStats): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const [path, s] of stats.layers) out[path] = [...s.eigen().values];
  stats.fields.forEach((s, f) => (out[`embedding.field${f}`] = [...s.eigen().values]));
  return out;
}

export async function compressRun(runDir: string, o: CompressOptions): Promise<CompressResult> {
  const log = o.log ?? (() => {});
  const config: TrainConfig = parseTrainConfig(readConfigFile(join(runDir, 'config.yaml')));
  const tc = config.training;
  await ensureEngine(o.threads ?? tc.threads, tc.backend);
  const data = await prepareData({ dataset: config.dataset, features: config.features }, { log });
  const { train, validation, test } = data.splits;
  if (!train) throw new UsageError(`${runDir}: its config has no training split`);
  const slots = SLOTS[tc.optimizer];
  const load = (): { model: CTRModel; meta: ModelMeta; store: EmbeddingStore } => {
    const store = new EmbeddingStore();
    const { model, meta } = loadModel(join(runDir, MODEL_FILE), { slots, store });
    return { model, meta, store };
  };
  const score = (m: CTRModel, split: CachedSplit | undefined): EvalMetrics | null =>
    split && split.rows ? metricsOf(scoreBatches(m, split.batches({ batchSize: tc.batch_size }))) : null;

  const original = load();
  if (original.model.inputs?.ttFields.length) throw new UsageError(`${runDir}: a tensor-train (TT-Rec) model cannot be compressed with low-rank factors; compress the model trained with tables`);
  log(`statistics over ${o.statsRows ? `${o.statsRows} rows of ` : ''}the training split`);
  const stats = collectStats(original.model, train.batches({ batchSize: tc.batch_size }), o.statsRows);
  const held = validation?.rows ? collectStats(original.model, validation.batches({ batchSize: tc.batch_size })) : null;
  const sel = selectRanks(original.model, stats, o);
  const budget = o.budget ?? (o.ratio ? sel.paramsBefore / o.ratio : null);
  if (budget !== null && sel.paramsAfter > budget) {
    log(`note: the budget of ${Math.round(budget)} parameters cannot be reached; the smallest plan keeps ${sel.paramsAfter} ` +
      `(${(sel.paramsBefore / sel.paramsAfter).toFixed(2)}x): first-order weights and layers too small to factor are not compressed`);
  }
  const targets = compressionReport(original.model, sel, stats, held);
  const variants: VariantResult[] = [{ name: 'original', params: original.model.paramCount(), test: score(original.model, test) }];

  const outDir = o.out ?? join(runDir, `compressed-${o.method}`);
  mkdirSync(outDir, { recursive: true });
  applyPlan(original.model, sel.plan, { rng: new Rng(tc.seed), store: original.store, slots }, stats);
  const compressed = original.model;
  compressed.eval();
  const name = o.method;
  variants.push({ name, params: compressed.paramCount(), test: score(compressed, test) });
  const fitOpts = {
    epochs: o.epochs ?? 3, batchSize: tc.batch_size, lr: o.lr ?? tc.lr / 10, optimizer: tc.optimizer, seed: tc.seed,
    l2Embedding: tc.l2_embedding, weightDecay: tc.weight_decay, patience: 1,
  };
  if (o.finetune && validation?.rows) {
    log(`fine-tuning ${name}`);
    const r = fit(compressed, train, validation, { ...fitOpts, log });
    variants.push({ name: `${name} + fine-tune`, params: compressed.paramCount(), test: score(compressed, test), fit: r });
  }
  const m = original.meta;
  const last = variants[variants.length - 1];
  const path = join(outDir, MODEL_FILE);
  saveModel(path, compressed, { ...withTest(m, last.test), compression: sel.plan });
  variants[variants.length - 1].path = path;

  if ((o.control ?? o.finetune) && validation?.rows) {
    log('control: the same extra training for the original');
    const ctl = load();
    const r = fit(ctl.model, train, validation, { ...fitOpts, log });
    const cpath = join(outDir, 'control.safetensors');
    const ctlTest = score(ctl.model, test);
    saveModel(cpath, ctl.model, withTest(ctl.meta, ctlTest));
    variants.push({ name: 'original + same extra training', params: ctl.model.paramCount(), test: ctlTest, fit: r, path: cpath });
  }
  const result: CompressResult = { outDir, plan: sel.plan, targets, spectra: spectraOf(stats), variants };
  writeFileAtomic(join(outDir, 'report.json'), JSON.stringify(result, null, 2));
  return result;
}
