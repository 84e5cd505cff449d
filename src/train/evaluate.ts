/**
 * Scoring a model on encoded batches (a cached split) or on a raw data file read through saved
 * encoders, and the metrics the trainer and `slimctr eval` report: exact ROC AUC and logloss.
 */
import { BadRows, BoundEncoders, EncodedRows, openTable, type Encoders, type TableSpec } from '../data/index.js';
import { logloss, rocAuc } from '../metrics/index.js';
import type { CTRModel } from '../models/model.js';
import { predictLogits, sigmoid64 } from '../models/predict.js';
import type { Batch } from '../nn/types.js';

export interface Scored {
  labels: Float32Array;
  /** Model logits (AUC is computed on these: no ties from a saturated float32 sigmoid). */
  logits: Float32Array;
  rows: number;
}

export interface EvalMetrics {
  auc: number;
  logloss: number;
  rows: number;
  positives: number;
}

/** Growable float32 pairs (label, logit). */
class ScoreBuffer {
  labels = new Float32Array(1 << 14);
  logits = new Float32Array(1 << 14);
  rows = 0;

  push(labels: ArrayLike<number>, logits: Float32Array): void {
    const need = this.rows + logits.length;
    if (need > this.labels.length) {
      const cap = Math.max(need, this.labels.length * 2);
      const l = new Float32Array(cap),
        g = new Float32Array(cap);
      l.set(this.labels.subarray(0, this.rows));
      g.set(this.logits.subarray(0, this.rows));
      this.labels = l;
      this.logits = g;
    }
    this.labels.set(labels, this.rows);
    this.logits.set(logits, this.rows);
    this.rows = need;
  }

  done(): Scored {
    return { labels: this.labels.slice(0, this.rows), logits: this.logits.slice(0, this.rows), rows: this.rows };
  }
}

/** Scores every batch (labels required). */
export function scoreBatches(model: CTRModel, batches: Iterable<Batch>): Scored {
  const buf = new ScoreBuffer();
  for (const b of batches) {
    if (!b.labels) throw new Error('internal: scoreBatches: a batch without labels (it scores labelled splits)');
    buf.push(b.labels.subarray(0, b.rows), predictLogits(model, b));
  }
  return buf.done();
}

export interface ScoreFileOptions {
  batchSize: number;
  /** 1-based inclusive data-row range to score (default: every row). */
  rows?: [number, number];
  badRows?: BadRows;
}

/** Reads a raw labelled file through `encoders` and scores it batch by batch; `dataRows` counts every data row read. */
export async function scoreFile(
  model: CTRModel,
  file: string,
  spec: TableSpec,
  encoders: Encoders,
  opts: ScoreFileOptions,
): Promise<Scored & { dataRows: number }> {
  const bad = opts.badRows ?? new BadRows();
  const table = await openTable(file, spec, bad);
  const bound = new BoundEncoders(encoders, table.columns, file, true);
  const nc = bound.nCat,
    nd = bound.nDense;
  const acc = new EncodedRows(nc, nd);
  const range = opts.rows;
  const route = range ? (ord: number) => (ord + 1 >= range[0] && ord + 1 <= range[1] ? 0 : -1) : undefined;
  const buf = new ScoreBuffer();
  let dataRows = 0;
  for await (const block of table.blocks()) {
    if (block.rows > 0) dataRows = Math.max(dataRows, block.ordinals[block.rows - 1] + 1);
    acc.clear();
    bound.encodeBlock(block, [acc], bad, route);
    for (let a = 0; a < acc.rows; a += opts.batchSize) {
      const e = Math.min(acc.rows, a + opts.batchSize);
      const b: Batch = {
        rows: e - a,
        ids: acc.ids.subarray(a * nc, e * nc),
        dense: acc.dense.subarray(a * nd, e * nd),
        labels: acc.labels.subarray(a, e),
      };
      buf.push(b.labels!, predictLogits(model, b));
    }
  }
  return { ...buf.done(), dataRows };
}

/** AUC (on logits) and logloss (on float64 probabilities) of scored rows. */
export function metricsOf(s: Scored): EvalMetrics {
  const probs = new Float64Array(s.rows);
  let positives = 0;
  for (let i = 0; i < s.rows; i++) {
    probs[i] = sigmoid64(s.logits[i]);
    positives += s.labels[i];
  }
  return { auc: rocAuc(s.labels, s.logits), logloss: logloss(s.labels, probs), rows: s.rows, positives };
}
