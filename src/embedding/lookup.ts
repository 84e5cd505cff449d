/**
 * One training batch's lookup in F tables of one dim (ids [n, F] row-major), with what the
 * backward needs. Forward: one pool task with a kernel call per table that finds the batch's
 * distinct ids (hashed, then sorted), fetches each distinct row once, in id order, and copies it
 * to its batch positions. Backward: one task with a call per table summing the gradient rows per
 * distinct id into the table's pending sparse gradient (ids ascending). A table's work runs whole
 * on one thread, so results are the same for any thread count.
 *
 * The distinct ids and batch-to-distinct maps live in a tensor, so the enclosing scope frees them
 * together with the lookup's output.
 */
import { engine } from '../kernels/engine.js';
import { CALL_ACCUMULATE_UNIQUE } from '../kernels/protocol.js';
import { Tensor } from '../tensor/tensor.js';
import type { EmbeddingTable } from './table.js';

export class FieldLookup {
  private readonly kept: Tensor;
  /** Ints per table in `kept`: a 16-int header (the count), then uniq and inverse (n each, padded). */
  private readonly span: number;

  constructor(
    readonly tables: EmbeddingTable[],
    readonly n: number,
  ) {
    this.span = 16 + 2 * Math.ceil(n / 16) * 16;
    this.kept = new Tensor([tables.length * this.span]);
  }

  /** Where table f keeps its count, distinct ids and inverse map. */
  private block(f: number): { count: number; uniq: number; inverse: number } {
    const start = this.kept.ptr + f * this.span * 4;
    return { count: start, uniq: start + 64, inverse: start + 64 + (this.span - 16) * 2 };
  }

  /**
   * Fills `out` ([n, F, dim]) from ids at heap offset `idsPtr` ([n, F] int32, also in `ids`). The
   * kernels report each table's smallest and largest id; only if one is outside the table are the
   * ids scanned here, to name the bad one.
   */
  forward(idsPtr: number, ids: Int32Array, out: Tensor): void {
    const e = engine(),
      F = this.tables.length,
      n = this.n,
      dim = this.tables[0].dim;
    const work = Math.ceil(e.k.lookup_scratch_bytes(n, dim) / 64) * 64;
    const scratch = e.heap.alloc(F * work);
    e.runCalls(
      this.tables.flatMap((t, f) =>
        t.lookupCalls(idsPtr + f * 4, F, n, out.ptr + f * dim * 4, F * dim, {
          scratch: scratch + f * work,
          ...this.block(f),
        }),
      ),
      n * F * dim,
    );
    e.heap.release(scratch);
    this.tables.forEach((t, f) => {
      const [lo, hi] = e.heap.i32(this.block(f).count + 4, 2);
      if (lo < 0 || hi >= t.rows) t.checkIds(ids, n, f, F);
    });
  }

  /** Records each table's sparse gradient from `g` ([n, F, dim]) in `table.pending`. */
  backward(g: Tensor): void {
    if (this.kept.isDisposed) throw new Error('internal: lookupFields: backward after the forward scope ended');
    const e = engine(),
      heap = e.heap,
      F = this.tables.length,
      dim = this.tables[0].dim;
    e.runCalls(
      this.tables.map((t, f) => {
        const { count, uniq, inverse } = this.block(f);
        const u = heap.i32(count, 1)[0];
        const grad = { n: u, idsPtr: heap.alloc(u * 4), gradsPtr: heap.alloc(u * dim * 4) };
        heap.i32(grad.idsPtr, u).set(heap.i32(uniq, u));
        t.pending.push(grad);
        return [CALL_ACCUMULATE_UNIQUE, g.ptr + f * dim * 4, F * dim, inverse, this.n, dim, grad.gradsPtr, u];
      }),
      this.n * F * dim,
    );
  }
}
