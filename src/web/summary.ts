/** What the page shows about a loaded model, as plain data (the DOM code only lays it out). */
import type { LoadedModel } from '../persist/model_bytes.js';
import { inputColumns } from '../api/score.js';
import { bitsLabel } from '../compress/quantize.js';

export interface ModelSummary {
  name: string;
  kind: string;
  params: number;
  bytes: number;
  writtenBy: string;
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
    writtenBy: meta.slimctr_version,
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
