/**
 * Side-by-side comparison of model files (originals, compressed variants, controls): parameters,
 * bytes on disk, test AUC and logloss (as recorded in the file, or measured on `data`), batch-1
 * latency and batch-4096 throughput of slimctr's own forward pass. Also renders the charts:
 * test AUC against parameters, and the eigenvalue spectra a compress run recorded.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Batch, FeatureSpec } from '../models/types.js';
import type { CTRModel } from '../models/model.js';
import { loadModel } from '../persist/model_file.js';
import { chart, type Series } from '../report/svg.js';
import { Rng } from '../tensor/rng.js';
import { predictLogits } from '../train/evaluate.js';
import { MODEL_FILE } from '../train/trainer.js';
import { UsageError } from '../util/errors.js';

export interface CompareRow {
  variant: string;
  file: string;
  params: number;
  bytes: number;
  testAuc: number | null;
  testLogloss: number | null;
  /** Median milliseconds for one row. */
  latencyMs: number;
  /** Rows per second at batch 4096. */
  throughput: number;
}

/** Model files named by the arguments: a run folder, a compress output folder (model + control) or a file. */
export function modelFilesOf(args: string[]): { name: string; file: string }[] {
  const out: { name: string; file: string }[] = [];
  for (const a of args) {
    if (!existsSync(a)) throw new UsageError(`${a}: no such run folder or model file`);
    if (!statSync(a).isDirectory()) {
      out.push({ name: basename(a, '.safetensors'), file: a });
      continue;
    }
    const label = basename(a);
    if (existsSync(join(a, MODEL_FILE))) out.push({ name: label, file: join(a, MODEL_FILE) });
    if (existsSync(join(a, 'control.safetensors'))) out.push({ name: `${label} control`, file: join(a, 'control.safetensors') });
  }
  return out;
}

function randomBatch(spec: FeatureSpec, rows: number, rng: Rng): Batch {
  const F = spec.categorical.length, N = spec.numeric.length;
  const ids = new Int32Array(rows * F);
  for (let r = 0; r < rows; r++) for (let f = 0; f < F; f++) ids[r * F + f] = rng.int(spec.categorical[f].vocab);
  return { rows, ids, dense: Float32Array.from({ length: rows * N }, () => rng.normal()) };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Times slimctr's forward pass: batch-1 median latency and batch-4096 throughput. */
export function timeModel(model: CTRModel, spec: FeatureSpec, seconds = 1.5): { latencyMs: number; throughput: number } {
  const rng = new Rng(5);
  const one = randomBatch(spec, 1, rng), big = randomBatch(spec, 4096, rng);
  for (let i = 0; i < 20; i++) predictLogits(model, one);
  const lat: number[] = [];
  let t0 = performance.now();
  while (performance.now() - t0 < seconds * 500 || lat.length < 20) {
    const s = performance.now();
    predictLogits(model, one);
    lat.push(performance.now() - s);
  }
  predictLogits(model, big);
  // Median batch time: robust to other processes taking the CPU for a moment.
  const batch: number[] = [];
  t0 = performance.now();
  while (performance.now() - t0 < seconds * 500 || batch.length < 5) {
    const s = performance.now();
    predictLogits(model, big);
    batch.push(performance.now() - s);
  }
  return { latencyMs: median(lat), throughput: big.rows / (median(batch) / 1000) };
}

/**
 * One comparison row for a model file. Test metrics come from `test` when given (a variant
 * measured before the file's last training, e.g. AFM before fine-tuning), else from the file.
 */
export function modelRow(variant: string, file: string, seconds: number, test?: { auc: number; logloss: number } | null): CompareRow {
  const { model, meta } = loadModel(file);
  const m = test === undefined ? meta.training?.metrics?.test : test;
  return {
    variant, file, params: model.paramCount(), bytes: statSync(file).size,
    testAuc: typeof m?.auc === 'number' ? m.auc : null, testLogloss: typeof m?.logloss === 'number' ? m.logloss : null,
    ...timeModel(model, meta.features, seconds),
  };
}

export function compareModels(files: { name: string; file: string }[], seconds = 1.5): CompareRow[] {
  return files.map(({ name, file }) => modelRow(name, file, seconds));
}

export function compareMarkdown(rows: CompareRow[]): string {
  const head = '| variant | parameters | bytes on disk | test AUC | logloss | batch-1 latency (ms) | batch-4096 rows/s |\n|---|---:|---:|---:|---:|---:|---:|\n';
  return head + rows.map((r) => `| ${r.variant} | ${r.params.toLocaleString('en-US')} | ${r.bytes.toLocaleString('en-US')} | ${r.testAuc?.toFixed(4) ?? '-'} | ${r.testLogloss?.toFixed(4) ?? '-'} | ${r.latencyMs.toFixed(3)} | ${Math.round(r.throughput).toLocaleString('en-US')} |`).join('\n') + '\n';
}

export function aucChart(rows: CompareRow[], title = 'Test AUC against model size'): string {
  const series: Series[] = rows.filter((r) => r.testAuc !== null).map((r) => ({ name: r.variant, points: [[r.params, r.testAuc!]] }));
  return chart(series, { title, xLabel: 'parameters (log scale)', yLabel: 'test AUC', logX: true, scatter: true });
}

/** Energy kept against rank for every target a compress run recorded (report.json next to the model). */
export function spectrumChart(reportFile: string): string | null {
  if (!existsSync(reportFile)) return null;
  const spectra = (JSON.parse(readFileSync(reportFile, 'utf8')) as { spectra?: Record<string, number[]> }).spectra ?? {};
  const series: Series[] = Object.entries(spectra).filter(([k]) => !k.startsWith('embedding.field') || k === 'embedding.field0').map(([name, values]) => {
    const pos = values.map((v) => Math.max(v, 0));
    const total = pos.reduce((a, b) => a + b, 0) || 1;
    let acc = 0;
    return { name, points: pos.map((v, i) => [(i + 1) / pos.length, (acc += v) / total] as [number, number]) };
  });
  return series.length ? chart(series, { title: `Output energy kept against rank (${basename(dirname(reportFile))})`, xLabel: 'rank / width', yLabel: 'fraction of variance kept' }) : null;
}
