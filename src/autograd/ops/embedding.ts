/**
 * Embedding lookup with SPARSE gradients: the forward gathers rows from tables that live outside
 * the autograd tensors, fetching each distinct row of a batch once (see embedding/lookup.ts); the
 * backward sums the gradient rows per distinct id into a small buffer handed to the table
 * (`table.pending`, ids ascending), never materialising a dense gradient of a whole table. The
 * work is split over the thread pool by table or by range of fields, never within one table's
 * sums, so results are the same for any thread count.
 */
import { FieldLookup } from '../../embedding/lookup.js';
import type { EmbeddingTable } from '../../embedding/table.js';
import { engine } from '../../kernels/engine.js';
import { Tensor } from '../../tensor/tensor.js';
import { ShapeError } from '../../util/errors.js';
import { isGradEnabled } from '../graph.js';
import { traced } from '../observe.js';

/** Lookups of fewer floats than this run on the calling thread (as the pool would run them too). */
const SMALL_LOOKUP = 1 << 14;

/** A few rows (serving): one kernel call for all fields, if every table is one block of the main heap. */
function gatherFields(tables: EmbeddingTable[], idsPtr: number, batch: number, out: Tensor): boolean {
  const e = engine(),
    F = tables.length;
  const fields = e.heap.alloc(F * 16);
  const d = e.heap.i32(fields, F * 4);
  const whole = tables.every((t, f) => {
    const b = t.heapBlock();
    if (b) d.set(b, 4 * f);
    return b !== null;
  });
  if (whole) e.k.gather_fields(fields, F, tables[0].dim, idsPtr, batch, out.ptr);
  e.heap.release(fields);
  return whole;
}

/** Every id inside its field's table (ids [batch, F]), in one pass; else the table's DataError for the first one outside. */
function checkFieldIds(tables: EmbeddingTable[], ids: Int32Array, batch: number): void {
  const F = tables.length,
    rows = tables.map((t) => t.rows);
  for (let i = 0, at = 0; i < batch; i++)
    for (let f = 0; f < F; f++, at++) if (ids[at] >>> 0 >= rows[f]) tables[f].checkIds(ids, batch, f, F); // >>> 0: negative ids fail too
}

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
  const e = engine();
  const out = new Tensor([batch, F, dim]);
  const idsPtr = e.heap.alloc(batch * F * 4);
  e.heap.i32(idsPtr, batch * F).set(ids.subarray(0, batch * F));
  traced(out, 'lookupFields', [], { tables, ids, batch });
  if (!trainable || !isGradEnabled()) {
    checkFieldIds(tables, ids, batch);
    if (batch * F * dim < SMALL_LOOKUP && gatherFields(tables, idsPtr, batch, out)) {
      e.heap.release(idsPtr);
      return out;
    }
    const calls: number[][] = [];
    for (let f = 0; f < F; f++)
      calls.push(...tables[f].gatherCalls(idsPtr + f * 4, F, batch, out.ptr + f * dim * 4, F * dim));
    e.runCalls(calls, batch * F * dim);
    e.heap.release(idsPtr);
    return out;
  }
  const lookup = new FieldLookup(tables, batch);
  try {
    lookup.forward(idsPtr, ids, out);
  } finally {
    e.heap.release(idsPtr);
  }
  out.requiresGrad = true;
  out.node = {
    op: 'lookupFields',
    parents: [],
    backward(g: Tensor): void {
      lookup.backward(g);
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
