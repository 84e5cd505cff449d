/**
 * The compress job on an ONNX model (trained elsewhere, e.g. in PyTorch): the graph imported into
 * slimctr's engine, statistics of every Linear's output and every gathered table's rows on the
 * calibration data, rank selection, factorization, and the user's own graph rewritten with the
 * factors (io/onnx/rewrite.ts). With `finetune`, the compressed graph trains on the calibration data
 * (labels needed) with early stopping on the evaluation data, and the original gets the same steps as
 * a control. Writes OUT.onnx (refusing an existing file unless forced) and OUT.report.json beside it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { noGrad, observe } from '../autograd/index.js';
import { emptyStats, statsObserver, type ModelStats } from '../compress/collect.js';
import { graphSwaps } from '../compress/graph_swaps.js';
import type { Method } from '../compress/plan.js';
import type { RankChoice } from '../compress/rank_choice.js';
import { selectRanks } from '../compress/select.js';
import { readGraphData } from '../data/formats/graph_data.js';
import type { GraphData } from '../data/formats/graph_inputs.js';
import { EmbeddingStore } from '../embedding/store.js';
import { writeFileAtomic } from '../io/atomic.js';
import { decodeOnnx } from '../io/onnx/read.js';
import { rewriteOnnx } from '../io/onnx/rewrite.js';
import { OnnxGraphModel } from '../models/onnx/model.js';
import { sliceRows } from '../models/onnx/run.js';
import { SLOTS } from '../optim/optimizer.js';
import { tidy } from '../tensor/tensor.js';
import { fitGraph, graphMetrics, type GraphFitResult, type GraphMetrics } from '../train/graph_fit.js';
import { UsageError } from '../util/errors.js';
import { VERSION } from '../version.js';

export interface OnnxCompressOptions {
  method: Method;
  rank: RankChoice;
  /** Graph inputs (and labels) for statistics and fine-tuning: .npz or .csv. */
  data: string;
  /** Labelled data to evaluate on and to stop fine-tuning by (default: `data`). */
  evalData?: string;
  /** Rows of `data` for statistics (default: all, at most 65,536). */
  statsRows?: number;
  finetune?: { epochs: number; lr: number; batchSize: number; patience: number; control: boolean } | null;
  out: string;
  force?: boolean;
  seed?: number;
  log?: (msg: string) => void;
}

interface OnnxVariant {
  name: string;
  file: string | null;
  params: number;
  bytes: number;
  metrics: GraphMetrics | null;
  fit?: GraphFitResult;
}

export interface OnnxCompressResult {
  out: string;
  report: string;
  ranks: Record<string, number>;
  paramsBefore: number;
  paramsAfter: number;
  variants: OnnxVariant[];
}

const STATS_ROWS = 65_536;
const STATS_BATCH = 4096;

/** An ONNX model's bytes imported into slimctr's engine (`slots`: optimizer slots for training its tables). */
export function importGraph(bytes: Uint8Array, name: string, slots = 0): OnnxGraphModel {
  return new OnnxGraphModel(decodeOnnx(bytes, name), { store: new EmbeddingStore(), slots }).eval();
}

function collectGraphStats(model: OnnxGraphModel, data: GraphData, rows: number): ModelStats {
  const stats = emptyStats();
  const observer = statsObserver(model.parts(), stats);
  for (let a = 0; a < rows; a += STATS_BATCH) {
    const e = Math.min(rows, a + STATS_BATCH);
    noGrad(() => tidy(() => observe(observer, () => model.forward(sliceRows(data.inputs, a, e)))));
    stats.rows += e - a;
  }
  return stats;
}

/** The report path beside `out`: model.slim.onnx -> model.slim.report.json. */
export const reportPathOf = (out: string): string => `${out.replace(/\.onnx$/i, '')}.report.json`;

export async function compressOnnx(modelFile: string, o: OnnxCompressOptions): Promise<OnnxCompressResult> {
  const log = o.log ?? (() => {});
  const report = reportPathOf(o.out);
  for (const f of [o.out, report])
    if (existsSync(f) && !o.force) throw new UsageError(`${f} exists; pass --force to replace it`);
  const bytes = readFileSync(modelFile);
  const slots = o.finetune ? SLOTS.adam : 0;
  const original = importGraph(bytes, modelFile, slots);
  const output = original.graph.outputs[0].name;
  const data = readGraphData(o.data, original.graph.inputs);
  const evalData = o.evalData ? readGraphData(o.evalData, original.graph.inputs) : data;
  if (o.finetune && !data.labels) throw new UsageError(`--finetune needs a 'label' array in ${o.data}`);

  const statsRows = Math.min(data.rows, o.statsRows ?? STATS_ROWS);
  const t0 = performance.now();
  const stats = collectGraphStats(original, data, statsRows);
  log(`statistics: ${statsRows} rows in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const sel = selectRanks(original, stats, { method: o.method, rank: o.rank, fuse: false });
  const ranks = sel.plan.layers;
  if (Object.keys(ranks).length === 0)
    throw new UsageError('no layer or table of the graph is worth factoring at this setting');
  log(
    `ranks: ${Object.entries(ranks)
      .map(([p, k]) => `${p}:${k}`)
      .join(', ')}`,
  );

  const metadata = {
    'slimctr.version': VERSION,
    'slimctr.compression': JSON.stringify({ source: modelFile, method: o.method, rank: o.rank, ranks }),
  };
  const swaps = { ...graphSwaps(original, sel.plan, stats), metadata };
  let slim = rewriteOnnx(bytes, modelFile, swaps);
  const compressed = importGraph(slim, o.out, slots);
  const variants: OnnxVariant[] = [];
  const measure = (name: string, m: OnnxGraphModel, file: string | null, size: number): OnnxVariant => {
    const v = {
      name,
      file,
      params: m.paramCount(),
      bytes: size,
      metrics: graphMetrics(m, output, evalData),
    };
    variants.push(v);
    return v;
  };
  measure('original', original, modelFile, bytes.length);
  measure(
    o.finetune ? 'compressed, before fine-tuning' : 'compressed',
    compressed,
    o.finetune ? null : o.out,
    slim.length,
  );

  if (o.finetune) {
    const ft = o.finetune;
    const fitOpts = {
      epochs: ft.epochs,
      batchSize: ft.batchSize,
      lr: ft.lr,
      optimizer: 'adam' as const,
      seed: o.seed ?? 1,
      patience: ft.patience,
      log,
    };
    const fit = fitGraph(compressed, output, data, evalData, fitOpts);
    slim = rewriteOnnx(slim, o.out, { linears: [], tables: [], values: compressed.initializerValues() });
    const after = measure('compressed, fine-tuned', compressed, o.out, slim.length);
    after.fit = fit;
    if (ft.control) {
      const control = importGraph(bytes, modelFile, slots);
      const cfit = fitGraph(control, output, data, evalData, { ...fitOpts, exactEpochs: fit.epochs });
      measure('original + same training (control)', control, null, bytes.length).fit = cfit;
    }
  }
  writeFileAtomic(o.out, slim);
  const result: OnnxCompressResult = {
    out: o.out,
    report,
    ranks,
    paramsBefore: sel.paramsBefore,
    paramsAfter: compressed.paramCount(),
    variants,
  };
  writeFileAtomic(
    report,
    `${JSON.stringify({ ...result, method: o.method, rank: o.rank, notes: sel.notes }, null, 1)}\n`,
  );
  return result;
}
