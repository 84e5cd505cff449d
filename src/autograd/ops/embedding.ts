/**
 * Embedding lookup with SPARSE gradients: the forward gathers rows from tables that live outside
 * the autograd tensors; the backward sums the gradient rows per unique id into a small buffer
 * handed to the table (`table.pending`), never materialising a dense gradient of a whole table.
 * Both directions batch one kernel call per table onto the thread pool.
 */
import type { EmbeddingTable } from '../../embedding/table.js';
import { uniqueIds } from '../../embedding/unique.js';
import { engine } from '../../kernels/engine.js';
import { CALL_SCATTER_ADD_ROWS } from '../../kernels/protocol.js';
import { Tensor } from '../../tensor/tensor.js';
import { ShapeError } from '../../util/errors.js';
import { isGradEnabled, traced } from '../graph.js';

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
  tables.forEach((t, f) => t.checkIds(ids, batch, f, F));
  const e = engine();
  const out = new Tensor([batch, F, dim]);
  const idsPtr = e.heap.alloc(batch * F * 4);
  e.heap.i32(idsPtr, batch * F).set(ids.subarray(0, batch * F));
  e.runCalls(tables.flatMap((t, f) => t.gatherCalls(idsPtr + f * 4, F, batch, out.ptr + f * dim * 4, F * dim)));
  e.heap.release(idsPtr);
  traced(out, 'lookupFields', [], { tables, ids, batch });
  if (!trainable || !isGradEnabled()) return out;
  out.requiresGrad = true;
  out.node = {
    op: 'lookupFields',
    parents: [],
    backward(g: Tensor): void {
      const calls: number[][] = [];
      const inverses: number[] = [];
      tables.forEach((t, f) => {
        const { uniq, inverse } = uniqueIds(ids, batch, f, F);
        const n = uniq.length;
        const grad = { n, idsPtr: e.heap.alloc(n * 4), gradsPtr: e.heap.alloc(n * dim * 4) };
        e.heap.i32(grad.idsPtr, n).set(uniq);
        e.heap.f32(grad.gradsPtr, n * dim).fill(0);
        const inv = e.heap.alloc(batch * 4);
        e.heap.i32(inv, batch).set(inverse);
        inverses.push(inv);
        calls.push([CALL_SCATTER_ADD_ROWS, g.ptr + f * dim * 4, F * dim, inv, batch, dim, grad.gradsPtr]);
        t.pending.push(grad);
      });
      e.runCalls(calls);
      for (const p of inverses) e.heap.release(p);
    },
  };
  return out;
}

/** Single-table form: ids [n] -> [n, dim]. */
export function lookup(table: EmbeddingTable, ids: Int32Array, trainable = true): Tensor {
  const out = lookupFields([table], ids, ids.length, trainable);
  const v = traced(out.viewAs([ids.length, table.dim]), 'reshape', [out]);
  v.requiresGrad = out.requiresGrad;
  v.node = out.node;
  return v;
}
