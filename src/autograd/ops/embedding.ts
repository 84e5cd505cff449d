/**
 * Embedding lookup with SPARSE gradients: the forward gathers rows from tables that live outside
 * the autograd heap; the backward sums the gradient rows per unique id and hands them to the
 * table (`table.pending`), never materialising a dense gradient of the whole table.
 */
import type { EmbeddingTable } from '../../embedding/table.js';
import { uniqueIds } from '../../embedding/unique.js';
import { Tensor } from '../../tensor/tensor.js';
import { ShapeError } from '../../util/errors.js';
import { isGradEnabled } from '../graph.js';

/**
 * For ids laid out [batch, F] (row-major), returns [batch, F, dim] with out[b, f] = tables[f][ids[b, f]].
 * All tables must share `dim`. With `trainable`, the backward records sparse gradients.
 */
export function lookupFields(tables: EmbeddingTable[], ids: Int32Array, batch: number, trainable = true): Tensor {
  const F = tables.length;
  if (F === 0) throw new ShapeError('lookupFields: no tables');
  const dim = tables[0].dim;
  if (tables.some((t) => t.dim !== dim)) throw new ShapeError('lookupFields: tables differ in dim');
  if (ids.length < batch * F) throw new ShapeError(`lookupFields: ${ids.length} ids for ${batch} rows x ${F} fields`);
  const out = new Tensor([batch, F, dim]);
  const od = out.data;
  for (let f = 0; f < F; f++) tables[f].gather(ids, batch, f, F, od, f * dim, F * dim, out.ptr);
  if (!trainable || !isGradEnabled()) return out;
  out.requiresGrad = true;
  out.node = {
    op: 'lookupFields',
    parents: [],
    backward(g: Tensor): void {
      const gd = g.data;
      for (let f = 0; f < F; f++) {
        const { uniq, inverse } = uniqueIds(ids, batch, f, F);
        const rows = new Float32Array(uniq.length * dim);
        for (let b = 0; b < batch; b++) {
          const o = inverse[b] * dim, src = (b * F + f) * dim;
          for (let j = 0; j < dim; j++) rows[o + j] += gd[src + j];
        }
        tables[f].pending.push({ ids: uniq, grads: rows });
      }
    },
  };
  return out;
}

/** Single-table form: ids [n] -> [n, dim]. */
export function lookup(table: EmbeddingTable, ids: Int32Array, trainable = true): Tensor {
  const out = lookupFields([table], ids, ids.length, trainable);
  const v = out.viewAs([ids.length, table.dim]);
  v.requiresGrad = out.requiresGrad;
  v.node = out.node;
  return v;
}
