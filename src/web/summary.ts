/** What the page shows about a loaded model, as plain data (the DOM code only lays it out). */
import type { LoadedModel } from '../persist/model_bytes.js';
import { inputColumns } from '../api/score.js';
import { bitsLabel } from '../compress/quantize.js';
import type { GraphModel } from '../api/graph_model.js';

export interface ModelSummary {
  name: string;
  kind: string;
  params: number;
  bytes: number;
  writtenBy: string;
  /** An imported ONNX graph: its opset (null for a slimctr model file). */
  onnxOpset: number | null;
  /** Null for an original (uncompressed) model. */
  compression: {
    method: string;
    embeddingRank: number | null;
    fused: boolean;
    layers: [string, number][];
    /** What is stored in fewer bits ('int8', 'int4 tables + int8 weights', ...), null: all float32. */
    stored: string | null;
  } | null;
  /** Metric columns, then one row per split: [split, values by column (null when absent)]. */
  metrics: { columns: string[]; rows: [string, (number | null)[]][] };
  columns: string[];
}

export function summarize(loaded: LoadedModel, name: string, bytes: number): ModelSummary {
  const { meta, model } = loaded;
  const plan = meta.compression ?? null;
  const splits = Object.entries(meta.training?.metrics ?? {});
  const columns = [...new Set(splits.flatMap(([, m]) => Object.keys(m)))];
  return {
    name,
    kind: meta.kind,
    params: model.paramCount(),
    bytes,
    writtenBy: `slimctr ${meta.slimctr_version}`,
    onnxOpset: null,
    compression: plan && {
      method: plan.method,
      embeddingRank: plan.embeddingRank,
      fused: plan.fuse,
      layers: Object.entries(plan.layers),
      stored: plan.bits ? bitsLabel(plan.bits) : null,
    },
    metrics: {
      columns,
      rows: splits.map(([split, m]) => [split, columns.map((c) => (typeof m[c] === 'number' ? m[c] : null))]),
    },
    columns: inputColumns(loaded),
  };
}

/** An imported ONNX graph: its inputs (name, dtype, shape) in place of columns, its parameters and producer. */
export function summarizeGraphModel(g: GraphModel, name: string, bytes: number): ModelSummary {
  const s = g.summary();
  return {
    name,
    kind: 'ONNX graph',
    params: s.params,
    bytes,
    writtenBy: s.producer || 'unknown',
    onnxOpset: s.opset,
    compression: null,
    metrics: { columns: [], rows: [] },
    columns: s.inputs,
  };
}

/** A TF-Serving columnar body of `count` rows of zeros, one column per graph input, to start from. */
export function exampleGraphText(g: GraphModel, count = 2): string {
  const zeros = (w: number, dims: number[]): unknown => (dims.length ? new Array(w).fill(0) : 0);
  const inputs = Object.fromEntries(g.inputs.map((i) => [i.name, new Array(count).fill(zeros(i.width, i.dims))]));
  return JSON.stringify({ inputs });
}

/** A few plausible rows as TSV with a header line, to start from: seen values of each field. */
export function exampleRowsText(loaded: LoadedModel, count = 4): string {
  const cols = inputColumns(loaded);
  const lines = [cols.join('\t')];
  for (let r = 0; r < count; r++) {
    const cells = loaded.encoders
      ? [
          ...loaded.encoders.categorical.map((f) =>
            f.encoder === 'hash'
              ? `v${r}`
              : f.vocab.values.length > 0
                ? f.vocab.values[(r * 3) % f.vocab.values.length]
                : '',
          ),
          ...loaded.encoders.dense.map((f) => String(Math.round((f.fill + r) * 100) / 100)),
        ]
      : [
          ...loaded.meta.features.categorical.map((f) => String((r * 3) % f.vocab)),
          ...loaded.meta.features.numeric.map((_, j) => String(r - j)),
        ];
    lines.push(cells.join('\t'));
  }
  return lines.join('\n');
}
