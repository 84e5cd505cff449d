/**
 * An embedding table: `rows` x `dim` float32 weights plus optimizer slots, stored outside the
 * autograd heap in one or more shards (row ranges) across table groups. Lookups gather rows;
 * gradients arrive sparse (unique ids + one gradient row each) and only those rows are updated.
 */
import type { Rng } from '../tensor/rng.js';
import type { TableGroup } from './group.js';

export interface Shard {
  group: TableGroup;
  lo: number; // first id held
  hi: number; // one past the last id held
  ptr: number; // byte offset of row `lo` in the group's memory
}

/** Sparse gradient of one table: `grads` holds one dim-long row per id in `ids` (ids unique). */
export interface SparseGrad {
  ids: Int32Array;
  grads: Float32Array;
}

export type UpdateKind = 0 | 1 | 2; // SGD, Adagrad, Adam

export interface RowUpdate {
  kind: UpdateKind;
  lr: number; // for Adam: lr with bias corrections folded in
  b1: number;
  b2: number;
  eps: number;
  wd: number;
}

export class EmbeddingTable {
  readonly stride: number;
  /** Sparse gradients recorded by backward since the last optimizer step. */
  pending: SparseGrad[] = [];

  constructor(
    readonly name: string,
    readonly rows: number,
    readonly dim: number,
    /** Optimizer slots per row (0 SGD, 1 Adagrad, 2 Adam), each dim floats. */
    readonly slots: number,
    readonly shards: Shard[],
  ) {
    this.stride = dim * (1 + slots);
  }

  /** Fills weights with Normal(0, std) (or Uniform(-limit, limit)) and zeroes optimizer slots. */
  init(rng: Rng, dist: 'normal' | 'uniform', scale: number): void {
    for (const s of this.shards) {
      const n = s.hi - s.lo;
      const v = s.group.f32(s.ptr, n * this.stride);
      v.fill(0);
      for (let r = 0; r < n; r++) {
        const o = r * this.stride;
        for (let j = 0; j < this.dim; j++) v[o + j] = dist === 'normal' ? rng.normal() * scale : (rng.next() * 2 - 1) * scale;
      }
    }
  }

  /**
   * Writes row ids[idOffset + i * idStride] into out[outOffset + i * outStride ..+dim] for i < n.
   * `out` must be a view of the engine heap when `outPtr` is given (direct writes from group 0).
   */
  gather(ids: Int32Array, n: number, idOffset: number, idStride: number, out: Float32Array, outOffset: number, outStride: number, outPtr?: number): void {
    for (let i = 0; i < n; i++) {
      const id = ids[idOffset + i * idStride];
      if (!(id >= 0 && id < this.rows)) throw new RangeError(`embedding ${this.name}: id ${id} outside 0..${this.rows - 1}`);
    }
    for (const s of this.shards) {
      const g = s.group;
      const idPtr = g.heap.alloc(n * 4);
      const staged = g.i32(idPtr, n);
      for (let i = 0; i < n; i++) staged[i] = ids[idOffset + i * idStride];
      if (g.isMain && outPtr !== undefined) {
        g.k.gather_rows(s.ptr, this.stride, this.dim, s.lo, s.hi, idPtr, n, outPtr + outOffset * 4, outStride);
      } else {
        const rowsPtr = g.heap.alloc(n * this.dim * 4);
        g.k.gather_rows(s.ptr, this.stride, this.dim, s.lo, s.hi, idPtr, n, rowsPtr, this.dim);
        const src = g.f32(rowsPtr, n * this.dim);
        const d = this.dim;
        for (let i = 0; i < n; i++) {
          const id = staged[i];
          if (id < s.lo || id >= s.hi) continue;
          const o = outOffset + i * outStride;
          for (let j = 0; j < d; j++) out[o + j] = src[i * d + j];
        }
        g.heap.release(rowsPtr);
      }
      g.heap.release(idPtr);
    }
  }

  /** Applies one optimizer step to the rows in `grad.ids`. */
  update(grad: SparseGrad, u: RowUpdate): void {
    const n = grad.ids.length;
    if (n === 0) return;
    for (const s of this.shards) {
      const g = s.group;
      const idPtr = g.heap.alloc(n * 4), gPtr = g.heap.alloc(n * this.dim * 4);
      g.i32(idPtr, n).set(grad.ids);
      g.f32(gPtr, n * this.dim).set(grad.grads);
      g.k.update_rows(u.kind, s.ptr, this.stride, this.dim, s.lo, s.hi, idPtr, n, gPtr, u.lr, u.b1, u.b2, u.eps, u.wd);
      g.heap.release(gPtr);
      g.heap.release(idPtr);
    }
  }

  /** Copies rows [start, end) of the weights (not the slots) into a new array. */
  readRows(start = 0, end = this.rows): Float32Array {
    const out = new Float32Array((end - start) * this.dim);
    for (const s of this.shards) {
      const a = Math.max(start, s.lo), b = Math.min(end, s.hi);
      if (a >= b) continue;
      const v = s.group.f32(s.ptr, (s.hi - s.lo) * this.stride);
      for (let r = a; r < b; r++) out.set(v.subarray((r - s.lo) * this.stride, (r - s.lo) * this.stride + this.dim), (r - start) * this.dim);
    }
    return out;
  }

  /** Overwrites the weights of rows [start, start + values.length / dim) (slots untouched). */
  writeRows(values: Float32Array, start = 0): void {
    const end = start + values.length / this.dim;
    for (const s of this.shards) {
      const a = Math.max(start, s.lo), b = Math.min(end, s.hi);
      if (a >= b) continue;
      const v = s.group.f32(s.ptr, (s.hi - s.lo) * this.stride);
      for (let r = a; r < b; r++) v.set(values.subarray((r - start) * this.dim, (r - start + 1) * this.dim), (r - s.lo) * this.stride);
    }
  }
}
