/**
 * Embedding lookup with SPARSE gradients: the forward gathers rows from tables that live outside
 * the autograd tensors and, per table, finds the batch's distinct ids (in the kernel, hashing in
 * the same pass that fetches each distinct row once); the backward sums the gradient rows per
 * distinct id into a small buffer handed to the table (`table.pending`), never materialising a
 * dense gradient of a whole table. Both directions run one kernel call per table, all tables in
 * one task on the thread pool (a table's call runs whole on one thread: same result for any
 * thread count).
 */
import type { EmbeddingTable, LookupScratch } from '../../embedding/table.js';
import { engine } from '../../kernels/engine.js';
import { CALL_ACCUMULATE_UNIQUE } from '../../kernels/protocol.js';
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
  traced(out, 'lookupFields', [], { tables, ids, batch });
  if (!trainable || !isGradEnabled()) {
    e.runCalls(tables.flatMap((t, f) => t.gatherCalls(idsPtr + f * 4, F, batch, out.ptr + f * dim * 4, F * dim)));
    e.heap.release(idsPtr);
    return out;
  }
  // Per table: a count, the distinct ids and each position's index among them, kept for the
  // backward in a tensor so the scope frees them with `out`.
  const span = 16 + 2 * Math.ceil(batch / 16) * 16;
  const kept = new Tensor([F * span]);
  let hashLog2 = 4;
  while (1 << hashLog2 < 2 * batch) hashLog2++;
  const hash = e.heap.alloc(F * (8 << hashLog2));
  const scratch = (f: number): LookupScratch => {
    const count = kept.ptr + f * span * 4;
    const uniq = count + 64;
    return { hash: hash + f * (8 << hashLog2), hashLog2, uniq, inverse: uniq + (span - 16) * 2, count };
  };
  e.runCalls(tables.flatMap((t, f) => t.lookupCalls(idsPtr + f * 4, F, batch, out.ptr + f * dim * 4, F * dim, scratch(f))));
  e.heap.release(hash);
  e.heap.release(idsPtr);
  out.requiresGrad = true;
  out.node = {
    op: 'lookupFields',
    parents: [],
    backward(g: Tensor): void {
      if (kept.isDisposed) throw new Error('lookupFields: backward after the forward scope ended');
      const calls = tables.map((t, f) => {
        const { uniq, inverse, count } = scratch(f);
        const n = e.heap.i32(count, 1)[0];
        const grad = { n, idsPtr: e.heap.alloc(n * 4), gradsPtr: e.heap.alloc(n * dim * 4) };
        e.heap.i32(grad.idsPtr, n).set(e.heap.i32(uniq, n));
        t.pending.push(grad);
        return [CALL_ACCUMULATE_UNIQUE, g.ptr + f * dim * 4, F * dim, inverse, batch, dim, grad.gradsPtr];
      });
      e.runCalls(calls);
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
