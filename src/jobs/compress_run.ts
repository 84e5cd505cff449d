/**
 * The compress job on a trained run folder: statistics on the training split (or a sample),
 * rank selection, factorization, evaluation on the test split, optional fine-tuning with early
 * stopping on the monitored validation value, and the same extra training given to the original as
 * a control (the fine-tuning's epochs and steps at its learning rate). Writes a folder (refusing a
 * non-empty one unless forced) with the compressed model.safetensors, report.json (per-target
 * report, spectra, metrics) and, when fine-tuned, the model before fine-tuning and the control.
 */
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { applyPlan, type ApplyContext } from '../compress/apply.js';
import { selectForBytes } from '../compress/byte_budget.js';
import { applyBits, bitsFor, bitsLabel, type Quantize } from '../compress/quantize.js';
import { collectStats, emptyStats, type ModelStats } from '../compress/collect.js';
import type { LabelledBatch } from '../data/batch.js';
import { Yielder } from '../util/yield.js';
import { compressionReport, type TargetReport } from '../compress/report.js';
import { measureTargetErrors } from '../compress/measure.js';
import { selectRanks, type SelectOptions } from '../compress/select.js';
import { readConfigFile } from '../config/load.js';
import { prepareData, type CachedSplit } from '../data/index.js';
import { EmbeddingStore } from '../embedding/store.js';
import type { CTRModel } from '../models/model.js';
import { SLOTS } from '../optim/optimizer.js';
import { loadModel, saveMetaOf, type ModelMeta } from '../persist/model_file.js';
import { CONFIG_FILE, CONTROL_FILE, MODEL_FILE, PRE_FINETUNE_FILE, REPORT_FILE } from '../persist/run_files.js';
import { modelFileBytes, saveModel } from '../persist/save_model.js';
import { Rng } from '../tensor/rng.js';
import { writeFileAtomic } from '../io/atomic.js';
import { parseTrainConfig, type TrainConfig } from '../train/config.js';
import { metricsOf, scoreBatches, type EvalMetrics } from '../train/evaluate.js';
import { fit, type FitOptions, type FitResult } from '../train/fit.js';
import { formatLr } from '../train/progress.js';
import { ensureEngine } from '../train/setup.js';
import { InterruptedError, UsageError } from '../util/errors.js';
import { TTFields } from '../nn/tt_embedding.js';

export interface CompressOptions extends SelectOptions {
  /** Store every target in fewer bits (after any factoring and fine-tuning); --bytes (rank.by 'bytes') picks bits itself. */
  quantize?: Quantize;
  /** Rows of the training split for statistics (all when omitted). */
  statsRows?: number;
  finetune?: boolean;
  /** Also give the original the same extra training (default: with --finetune). */
  control?: boolean;
  /** Fine-tuning epochs at most (early stopping decides). */
  epochs?: number;
  /** Fine-tuning learning rate (default: the run's lr / 10). */
  lr?: number;
  /** Fine-tuning epochs without improvement before stopping (default: training.finetune_patience). */
  patience?: number;
  out?: string;
  /** Replace a non-empty output folder. */
  force?: boolean;
  threads?: number;
  log?: (msg: string) => void;
  /** Ctrl-C: statistics stop (nothing written), or fine-tuning stops after its step and the compressed model is saved. */
  signal?: AbortSignal;
}

interface VariantResult {
  name: string;
  params: number;
  test: EvalMetrics | null;
  fit?: FitResult;
  path?: string;
}

export interface CompressResult {
  outDir: string;
  /** Under --ratio / a budget: asked and reached (original / compressed parameters), and why they differ. */
  ratio?: { asked: number; reached: number; notes: string[] };
  /** Under --bytes: the budget, the original's file bytes, the plan's estimate and the written file's bytes. */
  bytes?: { budget: number; before: number; estimate: number; file: number };
  plan: ReturnType<typeof selectRanks>['plan'];
  targets: TargetReport[];
  spectra: Record<string, number[]>;
  variants: VariantResult[];
}

/** Metadata to save a derived model with: the source's, with this model's test metrics. */
function withTest(m: ModelMeta, test: EvalMetrics | null): ReturnType<typeof saveMetaOf> {
  const training = {
    ...(m.training ?? { epoch: 0, step: 0 }),
    metrics: { ...(m.training?.metrics ?? {}), ...(test ? { test: { ...test } } : {}) },
  };
  return { ...saveMetaOf(m), training };
}

function spectraOf(stats: ModelStats): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const [path, s] of stats.layers) out[path] = [...s.eigen().values];
  stats.fields.forEach((s, f) => (out[`embedding.field${f}`] = [...s.eigen().values]));
  return out;
}

/** collectStats one batch at a time, yielding so a signal handler can run; an aborted signal stops it (throws). */
async function collectInterruptibly(
  model: CTRModel,
  batches: Iterable<LabelledBatch>,
  maxRows = Infinity,
  signal?: AbortSignal,
): Promise<ModelStats> {
  const into = emptyStats();
  const yielder = new Yielder();
  for (const b of batches) {
    if (into.rows >= maxRows) break;
    collectStats(model, [b], maxRows, into);
    await yielder.maybe();
    if (signal?.aborted)
      throw InterruptedError.of(signal, 'interrupted while collecting statistics: nothing was written');
  }
  return into;
}

/** Files a compress folder may hold; the pre-fine-tune model is kept beside the fine-tuned one. */

/** Makes `dir`, refusing one that holds anything unless `force` (then its earlier outputs are removed). */
function prepareOutDir(dir: string, force: boolean): void {
  const present = existsSync(dir) ? readdirSync(dir) : [];
  if (present.length && !force) {
    throw new UsageError(
      `${dir} is not empty (${present.slice(0, 3).join(', ')}${present.length > 3 ? ', ...' : ''}); choose another --out or pass --force to replace its results`,
    );
  }
  for (const f of [MODEL_FILE, PRE_FINETUNE_FILE, CONTROL_FILE, REPORT_FILE]) rmSync(join(dir, f), { force: true });
  mkdirSync(dir, { recursive: true });
}

export async function compressRun(runDir: string, o: CompressOptions): Promise<CompressResult> {
  const log = o.log ?? (() => {});
  const config: TrainConfig = parseTrainConfig(readConfigFile(join(runDir, CONFIG_FILE)));
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
    split?.rows ? metricsOf(scoreBatches(m, split.batches({ batchSize: tc.batch_size }))) : null;

  const original = load();
  if (original.model.parts().embedding?.get() instanceof TTFields)
    throw new UsageError(
      `${runDir}: a tensor-train (TT-Rec) model cannot be compressed with low-rank factors; compress the model trained with tables`,
    );
  log(`statistics over ${o.statsRows ? `${o.statsRows} rows of ` : ''}the training split`);
  const stats = await collectInterruptibly(
    original.model,
    train.batches({ batchSize: tc.batch_size }),
    o.statsRows,
    o.signal,
  );
  const sel =
    o.rank.by === 'bytes'
      ? selectForBytes(original.model, stats, o, {
          bytes: o.rank.bytes,
          fixed: modelFileBytes(original.model, saveMetaOf(original.meta)) - 4 * original.model.paramCount(),
        })
      : selectRanks(original.model, stats, o);
  if (o.quantize) sel.plan.bits = bitsFor(original.model, sel.targets, o.quantize);
  const bits = sel.plan.bits && Object.keys(sel.plan.bits).length ? sel.plan.bits : null;
  if (sel.bytes) {
    log(
      `file budget ${sel.bytes.budget} bytes: the plan's estimate is ${sel.bytes.after} (the original's file: ${sel.bytes.before})`,
    );
    for (const n of sel.notes) log(`  ${n}`);
  }
  const { budget } = sel;
  const reached = sel.paramsBefore / sel.paramsAfter;
  if (budget !== null && sel.paramsAfter > budget) {
    log(
      `note: the budget of ${Math.round(budget)} parameters cannot be reached; the smallest plan keeps ${sel.paramsAfter} ` +
        `(${reached.toFixed(2)}x): first-order weights and layers too small to factor are not compressed`,
    );
  } else if (budget !== null) {
    log(
      `ratio reached ${reached.toFixed(2)}x (${sel.paramsAfter} of ${sel.paramsBefore} parameters; asked ${(sel.paramsBefore / budget).toFixed(2)}x)`,
    );
    for (const n of sel.notes) log(`  above the ratio asked: ${n}`);
  }
  const variants: VariantResult[] = [
    { name: 'original', params: original.model.paramCount(), test: score(original.model, test) },
  ];

  const outDir = o.out ?? join(runDir, `compressed-${o.method}`);
  prepareOutDir(outDir, o.force ?? false);
  const ctx = (store: EmbeddingStore): ApplyContext => ({ rng: new Rng(tc.seed), store, slots });
  applyPlan(original.model, sel.plan, ctx(original.store), stats);
  const compressed = original.model;
  compressed.eval();
  const factored = sel.plan.embeddingRank !== null || Object.keys(sel.plan.layers).length > 0;
  const stored = bits ? bitsLabel(bits) : '';
  const named = (what: string): string => [factored || !bits ? o.method : '', what, stored].filter(Boolean).join(' + ');
  // With bits, the float factored model is a variant of its own, and the quantized one is built beside it
  // (fine-tuning trains the float model; its weights are quantized after).
  let first = compressed;
  if (bits) {
    if (factored) variants.push({ name: o.method, params: compressed.paramCount(), test: score(compressed, test) });
    const q = load();
    applyPlan(q.model, sel.plan, ctx(q.store), stats);
    applyBits(q.model, bits, q.store);
    first = q.model.eval();
  }
  const firstAt = variants.push({ name: named(''), params: first.paramCount(), test: score(first, test) }) - 1;
  // The report reads the original's weights, and measures each target of `first` against it on validation rows.
  const ref = load().model;
  const measured = validation?.rows
    ? measureTargetErrors(
        ref,
        first,
        sel.targets.filter((t) => t.kind !== 'table').map((t) => t.path),
        validation.batches({ batchSize: tc.batch_size }),
      )
    : null;
  const targets = compressionReport(ref, sel, stats, measured);
  const fitOpts: FitOptions = {
    epochs: o.epochs ?? 3,
    batchSize: tc.batch_size,
    lr: o.lr ?? tc.lr / 10,
    optimizer: tc.optimizer,
    shuffle: tc,
    l2Embedding: tc.l2_embedding,
    weightDecay: tc.weight_decay,
    monitor: tc.monitor,
    minDelta: tc.min_delta,
    patience: o.patience ?? tc.finetune_patience,
    log,
  };
  const m = original.meta;
  let tuned: FitResult | null = null;
  let final = first;
  if (o.finetune && validation?.rows) {
    const prePath = join(outDir, PRE_FINETUNE_FILE);
    saveModel(prePath, first, { ...withTest(m, variants[firstAt].test), compression: sel.plan });
    variants[firstAt].path = prePath;
    log(`fine-tuning ${factored ? o.method : 'the original'}`);
    tuned = await fit(compressed, train, validation, { ...fitOpts, signal: o.signal });
    if (bits) applyBits(compressed, bits, original.store);
    final = compressed;
    variants.push({
      name: named('fine-tune'),
      params: compressed.paramCount(),
      test: score(compressed, test),
      fit: tuned,
    });
  }
  const last = variants[variants.length - 1];
  const path = join(outDir, MODEL_FILE);
  saveModel(path, final, { ...withTest(m, last.test), compression: sel.plan });
  const fileSize = statSync(path).size;
  if (sel.bytes) log(`${path}: ${fileSize} bytes (budget ${sel.bytes.budget})`);
  variants[variants.length - 1].path = path;
  if (o.signal?.aborted)
    throw InterruptedError.of(
      o.signal,
      `interrupted: wrote ${path} (fine-tuning stopped early, best weights kept); no control, no report.json`,
    );

  if ((o.control ?? o.finetune) && validation?.rows) {
    // The same budget as the fine-tuning: its epochs (so its steps) at its learning rate, no early stop.
    const exactEpochs = tuned?.epochs;
    log(
      `control: the original trained ${exactEpochs === undefined ? 'with early stopping' : `exactly ${exactEpochs} epoch(s), ${tuned!.steps} steps,`} at learning rate ${formatLr(fitOpts.lr)}`,
    );
    const ctl = load();
    const r = await fit(ctl.model, train, validation, { ...fitOpts, exactEpochs, signal: o.signal });
    if (r.interrupted)
      throw InterruptedError.of(
        o.signal!,
        `interrupted during the control's training: ${path} is written; no control, no report.json`,
      );
    const cpath = join(outDir, CONTROL_FILE);
    const ctlTest = score(ctl.model, test);
    saveModel(cpath, ctl.model, withTest(ctl.meta, ctlTest));
    variants.push({
      name: 'original + same extra training',
      params: ctl.model.paramCount(),
      test: ctlTest,
      fit: r,
      path: cpath,
    });
  }
  const ratio = budget === null ? undefined : { asked: sel.paramsBefore / budget, reached, notes: sel.notes };
  const bytes = sel.bytes && {
    budget: sel.bytes.budget,
    before: sel.bytes.before,
    estimate: sel.bytes.after,
    file: fileSize,
  };
  const result: CompressResult = { outDir, ratio, bytes, plan: sel.plan, targets, spectra: spectraOf(stats), variants };
  writeFileAtomic(join(outDir, REPORT_FILE), JSON.stringify(result, null, 2));
  return result;
}
