/**
 * The statistics pass: runs the model forward (no gradients, eval mode) over training batches and
 * accumulates OutputStats for every Linear layer's raw output and every categorical field's
 * looked-up embedding vectors (one vector per example, so frequent ids weigh more).
 */
import { noGrad, observe, type Observer } from '../autograd/index.js';
import type { CTRModel } from '../models/model.js';
import type { ModelParts } from '../nn/parts.js';
import type { Batch } from '../nn/types.js';
import { Linear } from '../nn/linear.js';
import { tidy, type Tensor } from '../tensor/tensor.js';
import { OutputStats } from './stats.js';

export interface ModelStats {
  /** Per Linear layer, keyed by its dotted module path (e.g. `mlp.layer1`); per table slot, by its path (the rows it gathered). */
  layers: Map<string, OutputStats>;
  /** Per categorical field, in FeatureSpec order. */
  fields: OutputStats[];
  rows: number;
}

export function emptyStats(): ModelStats {
  return { layers: new Map(), fields: [], rows: 0 };
}

/**
 * An observer adding what `parts` output to `into`: each Linear slot's raw output under its path,
 * each categorical field's vectors in field order. It serves any model that describes itself by
 * parts (zoo models, imported graphs); `rows` is left to the caller.
 */
export function statsObserver(parts: ModelParts, into: ModelStats): Observer {
  const paths = new Map<object, [string, number]>(parts.linears.map((s) => [s.get(), [s.path, 0]]));
  for (const t of parts.tables ?? []) paths.set(t.table, [t.path, t.table.dim]);
  const fields = parts.embedding?.get() ?? null;
  return {
    output(part, y) {
      if (part === fields) return addFields(into, y);
      const found = paths.get(part);
      if (!found) return;
      const [path, dim] = found;
      const width = part instanceof Linear ? part.outDim : dim;
      let s = into.layers.get(path);
      if (!s) into.layers.set(path, (s = new OutputStats(width)));
      s.add(y.data, y.size / width);
    },
  };
}

/** Accumulates statistics over `batches` until `maxRows` rows were seen (all when omitted). */
export function collectStats(
  model: CTRModel,
  batches: Iterable<Batch>,
  maxRows = Infinity,
  into = emptyStats(),
): ModelStats {
  const observer = statsObserver(model.parts(), into);
  const wasTraining = model.training;
  model.eval();
  try {
    for (const batch of batches) {
      if (into.rows >= maxRows) break;
      const take = Math.min(batch.rows, maxRows - into.rows);
      const b = take < batch.rows ? sliceRows(batch, take) : batch;
      noGrad(() =>
        tidy(() => {
          observe(observer, () => model.forward(b));
        }),
      );
      into.rows += b.rows;
    }
  } finally {
    model.train(wasTraining);
  }
  return into;
}

/** Adds each categorical field's vectors of `emb` [B, F, D] to its statistics. */
function addFields(into: ModelStats, emb: Tensor): void {
  const [B, F, D] = emb.shape;
  const d = emb.data;
  const rows = new Float32Array(B * D);
  for (let f = 0; f < F; f++) {
    for (let b = 0; b < B; b++) rows.set(d.subarray((b * F + f) * D, (b * F + f + 1) * D), b * D);
    (into.fields[f] ??= new OutputStats(D)).add(rows, B);
  }
}

function sliceRows(b: Batch, n: number): Batch {
  const F = b.ids.length / b.rows,
    N = b.dense.length / b.rows;
  return {
    rows: n,
    ids: b.ids.subarray(0, n * F),
    dense: b.dense.subarray(0, n * N),
    labels: b.labels?.subarray(0, n),
  };
}
