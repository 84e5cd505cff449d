/**
 * Side-by-side comparison of model files (originals, compressed variants before and after
 * fine-tuning, controls): parameters, bytes on disk, test AUC and logloss (as recorded in the file,
 * or measured on `data`), batch-1 latency and batch-4096 throughput of slimctr's own forward pass,
 * timed in interleaved repeats. Also renders the charts:
 * test AUC against parameters, and the eigenvalue spectra a compress run recorded.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Batch, FeatureSpec } from '../nn/types.js';
import type { CTRModel } from '../models/model.js';
import { loadModel, type ModelMeta } from '../persist/model_file.js';
import { chart, type Series } from '../report/svg.js';
import { Rng } from '../tensor/rng.js';
import { predictLogits } from '../models/predict.js';
import { UsageError } from '../util/errors.js';
import { CONTROL_FILE, MODEL_FILE, PRE_FINETUNE_FILE } from '../persist/run_files.js';
import { gzipBytes } from './model_file_info.js';

export interface CompareRow {
  variant: string;
  file: string;
  params: number;
  bytes: number;
  /** The file gzipped at level 9: what a static host serving it compressed sends. */
  gzipBytes: number;
  testAuc: number | null;
  testLogloss: number | null;
  /** Batch-1 latency, ms: median over the timing repeats (each the median of its calls). */
  latencyMs: number;
  /** Rows per second at batch 4096: median over the timing repeats. */
  throughput: number;
  /** Smallest and largest repeat, and how many repeats (interleaved across the models compared). */
  latencyRange?: [number, number];
  throughputRange?: [number, number];
  repeats?: number;
}

/**
 * Model files named by the arguments: a run folder, a compress output folder (the model before
 * fine-tuning when kept, the compressed model, the control) or a file.
 */
export function modelFilesOf(args: string[]): { name: string; file: string }[] {
  const out: { name: string; file: string }[] = [];
  for (const a of args) {
    if (!existsSync(a)) throw new UsageError(`${a}: no such run folder or model file`);
    if (!statSync(a).isDirectory()) {
      out.push({ name: basename(a, '.safetensors'), file: a });
      continue;
    }
    const label = basename(a);
    const pre = existsSync(join(a, PRE_FINETUNE_FILE));
    if (pre) out.push({ name: `${label} before fine-tune`, file: join(a, PRE_FINETUNE_FILE) });
    if (existsSync(join(a, MODEL_FILE)))
      out.push({ name: pre ? `${label} fine-tuned` : label, file: join(a, MODEL_FILE) });
    if (existsSync(join(a, CONTROL_FILE))) out.push({ name: `${label} control`, file: join(a, CONTROL_FILE) });
  }
  return out;
}

function randomBatch(spec: FeatureSpec, rows: number, rng: Rng): Batch {
  const F = spec.categorical.length,
    N = spec.numeric.length;
  const ids = new Int32Array(rows * F);
  for (let r = 0; r < rows; r++) for (let f = 0; f < F; f++) ids[r * F + f] = rng.int(spec.categorical[f].vocab);
  return { rows, ids, dense: Float32Array.from({ length: rows * N }, () => rng.normal()) };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Median of `fn`'s wall time, ms, over at least `min` calls and about `ms` milliseconds. */
function medianMs(fn: () => void, ms: number, min: number): number {
  const times: number[] = [];
  const t0 = performance.now();
  while (performance.now() - t0 < ms || times.length < min) {
    const s = performance.now();
    fn();
    times.push(performance.now() - s);
  }
  return median(times);
}

export interface Timing {
  latencyMs: number;
  throughput: number;
  latencyRange: [number, number];
  throughputRange: [number, number];
  repeats: number;
}

/** A model's forward pass on one row and on a large batch of `bigRows` rows, for timing. */
export interface Runner {
  one(): void;
  big(): void;
  bigRows: number;
}

/**
 * Times slimctr's forward pass of several models, batch-1 latency and large-batch throughput, in
 * `repeats` rounds that visit every model in turn (so a slow moment of the machine falls on all of
 * them, not on one); each model's figure is the median over rounds, with the smallest and largest.
 * `seconds` is the budget per model and measure, split over the rounds.
 */
export function timeRunners(runners: Runner[], seconds = 1.5, repeats = 5): Timing[] {
  for (const r of runners) {
    for (let w = 0; w < 20; w++) r.one();
    r.big();
  }
  const lat = runners.map((): number[] => []),
    thr = runners.map((): number[] => []);
  const ms = (seconds * 500) / repeats;
  for (let k = 0; k < repeats; k++) {
    runners.forEach((r, i) => {
      lat[i].push(medianMs(r.one, ms, 10));
      thr[i].push(r.bigRows / (medianMs(r.big, ms, 2) / 1000));
    });
  }
  const range = (xs: number[]): [number, number] => [Math.min(...xs), Math.max(...xs)];
  return runners.map((_, i) => ({
    latencyMs: median(lat[i]),
    throughput: median(thr[i]),
    latencyRange: range(lat[i]),
    throughputRange: range(thr[i]),
    repeats,
  }));
}

/** A zoo model's runner on random rows of its feature spec (batch 4096). */
function zooRunner(model: CTRModel, spec: FeatureSpec, rng: Rng): Runner {
  const one = randomBatch(spec, 1, rng),
    big = randomBatch(spec, 4096, rng);
  return { one: () => predictLogits(model, one), big: () => predictLogits(model, big), bigRows: big.rows };
}

function timeModels(models: { model: CTRModel; spec: FeatureSpec }[], seconds = 1.5, repeats = 5): Timing[] {
  const rng = new Rng(5);
  return timeRunners(
    models.map(({ model, spec }) => zooRunner(model, spec, rng)),
    seconds,
    repeats,
  );
}

/** Times one model (see timeModels). */
export function timeModel(model: CTRModel, spec: FeatureSpec, seconds = 1.5, repeats = 3): Timing {
  return timeModels([{ model, spec }], seconds, repeats)[0];
}

function rowOf(
  variant: string,
  file: string,
  model: CTRModel,
  meta: ModelMeta,
  test?: { auc: number; logloss: number } | null,
): Omit<CompareRow, keyof Timing> {
  const m = test === undefined ? meta.training?.metrics?.test : test;
  return {
    variant,
    file,
    params: model.paramCount(),
    ...fileSizes(file),
    testAuc: typeof m?.auc === 'number' ? m.auc : null,
    testLogloss: typeof m?.logloss === 'number' ? m.logloss : null,
  };
}

/**
 * One comparison row for a model file. Test metrics come from `test` when given (a variant
 * measured before the file's last training, e.g. AFM before fine-tuning), else from the file.
 */
export function modelRow(
  variant: string,
  file: string,
  seconds: number,
  test?: { auc: number; logloss: number } | null,
): CompareRow {
  const { model, meta } = loadModel(file);
  return { ...rowOf(variant, file, model, meta, test), ...timeModel(model, meta.features, seconds) };
}

/** Rows for model files, all loaded first and timed interleaved (timeModels). */
export function compareModels(files: { name: string; file: string }[], seconds = 1.5, repeats = 5): CompareRow[] {
  const loaded = files.map(({ file }) => loadModel(file));
  const timings = timeModels(
    loaded.map(({ model, meta }) => ({ model, spec: meta.features })),
    seconds,
    repeats,
  );
  return files.map(({ name, file }, i) => ({ ...rowOf(name, file, loaded[i].model, loaded[i].meta), ...timings[i] }));
}

/** A file's bytes on disk and gzipped at level 9. */
export function fileSizes(file: string): { bytes: number; gzipBytes: number } {
  const data = readFileSync(file);
  return { bytes: data.length, gzipBytes: gzipBytes(data) };
}

const spread = (r: [number, number] | undefined, digits: number, f = (x: number) => x.toFixed(digits)): string =>
  r ? ` (${f(r[0])}-${f(r[1])})` : '';

export function compareMarkdown(rows: CompareRow[]): string {
  const n = rows.find((r) => r.repeats)?.repeats;
  const note = n ? `\nTimes: median of ${n} interleaved repeats (smallest-largest in brackets).\n` : '';
  const count = (x: number): string => Math.round(x).toLocaleString('en-US');
  const head =
    '| variant | parameters | bytes on disk | gzip bytes | test AUC | logloss | batch-1 latency (ms) | batch-4096 rows/s |\n|---|---:|---:|---:|---:|---:|---:|---:|\n';
  return (
    head +
    rows
      .map(
        (r) =>
          `| ${r.variant} | ${r.params.toLocaleString('en-US')} | ${r.bytes.toLocaleString('en-US')} | ${r.gzipBytes.toLocaleString('en-US')} | ${r.testAuc?.toFixed(5) ?? '-'} | ${r.testLogloss?.toFixed(5) ?? '-'} | ` +
          `${r.latencyMs.toFixed(3)}${spread(r.latencyRange, 3)} | ${count(r.throughput)}${spread(r.throughputRange, 0, count)} |`,
      )
      .join('\n') +
    '\n' +
    note
  );
}

export function aucChart(rows: CompareRow[], title = 'Test AUC against model size'): string {
  const series: Series[] = rows
    .filter((r) => r.testAuc !== null)
    .map((r) => ({ name: r.variant, points: [[r.params, r.testAuc!]] }));
  return chart(series, { title, xLabel: 'parameters (log scale)', yLabel: 'test AUC', logX: true, scatter: true });
}

/** Energy kept against rank for every target a compress run recorded (report.json next to the model). */
export function spectrumChart(reportFile: string): string | null {
  if (!existsSync(reportFile)) return null;
  const spectra =
    (JSON.parse(readFileSync(reportFile, 'utf8')) as { spectra?: Record<string, number[]> }).spectra ?? {};
  const series: Series[] = Object.entries(spectra)
    .filter(([k]) => !k.startsWith('embedding.field') || k === 'embedding.field0')
    .map(([name, values]) => {
      const pos = values.map((v) => Math.max(v, 0));
      const total = pos.reduce((a, b) => a + b, 0) || 1;
      let acc = 0;
      return { name, points: pos.map((v, i) => [(i + 1) / pos.length, (acc += v) / total] as [number, number]) };
    });
  return series.length
    ? chart(series, {
        title: `Output energy kept against rank (${basename(dirname(reportFile))})`,
        xLabel: 'rank / width',
        yLabel: 'fraction of variance kept',
      })
    : null;
}
