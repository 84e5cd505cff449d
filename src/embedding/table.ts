/**
 * An embedding table: `rows` x `dim` float32 weights plus optimizer slots, stored outside the
 * autograd tensors in one or more shards (row ranges) across table groups. Lookups gather rows;
 * gradients arrive sparse (unique ids + one gradient row each) and only those rows are updated.
 *
 * Work on shards in the main heap is returned as kernel calls, so the caller can batch the calls
 * of many tables onto the thread pool; shards in separate memories are handled on the spot.
 */
import { engine } from '../kernels/engine.js';
import { CALL_GATHER_ROWS, CALL_LOOKUP_UNIQUE, CALL_UPDATE_ROWS } from '../kernels/protocol.js';
import type { Rng } from '../tensor/rng.js';
import { noteWeightsChanged } from '../tensor/tensor.js';
import type { TableGroup } from './group.js';
import { DataError } from '../util/errors.js';

export interface Shard {
  group: TableGroup;
  lo: number; // first id held
  hi: number; // one past the last id held
  ptr: number; // byte offset of row `lo` in the group's memory
}

/** Row `lo` of a shard as a pointer of the pool's (main-heap) kernels; null if they cannot reach its memory. */
function pointerOf(s: Shard): number | null {
  return s.group.reach === null ? null : s.group.reach + s.ptr;
}

/** Sparse gradient of one table, in the main heap: one dim-long row in `grads` per id in `ids` (unique). */
export interface SparseGrad {
  n: number;
  idsPtr: number;
  gradsPtr: number;
}

/**
 * Main-heap blocks of a lookup of n ids: `scratch` (k.lookup_scratch_bytes(n, dim) bytes), needed
 * during the forward only; `uniq` and `inverse` (n ints each) and `count` (one int: how many
 * distinct ids), kept for the backward.
 */
export interface LookupScratch {
  scratch: number;
  uniq: number;
  inverse: number;
  count: number;
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

  /** Fills weights with Normal(0, scale) or Uniform(-scale, scale) and zeroes optimizer slots. */
  init(rng: Rng, dist: 'normal' | 'uniform', scale: number): void {
    for (const s of this.shards) {
      const n = s.hi - s.lo;
      const v = s.group.f32(s.ptr, n * this.stride);
      v.fill(0);
      for (let r = 0; r < n; r++) {
        const o = r * this.stride;
        for (let j = 0; j < this.dim; j++)
          v[o + j] = dist === 'normal' ? rng.normal() * scale : (rng.next() * 2 - 1) * scale;
      }
    }
  }

  /** Throws on an id outside the table (ids read at offset + i * stride, i < n). */
  checkIds(ids: Int32Array, n: number, offset: number, stride: number): void {
    for (let i = 0; i < n; i++) {
      const id = ids[offset + i * stride];
      if (!(id >= 0 && id < this.rows))
        throw new DataError(`embedding ${this.name}`, 0, 0, `id ${id} at row ${i} outside 0..${this.rows - 1}`);
    }
  }

  /** The table as one block of the main heap (row `lo`'s offset, stride in floats, ids [lo, hi)), or null. */
  heapBlock(): [ptr: number, stride: number, lo: number, hi: number] | null {
    const s = this.shards[0];
    return this.shards.length === 1 && s.group.isMain ? [s.ptr, this.stride, s.lo, s.hi] : null;
  }

  /**
   * Gathers rows for ids at heap offset `idsPtr` (n ids, `idStride` ints apart) into the heap at
   * `outPtr` (rows `outStride` floats apart). Returns the kernel calls for the shards the pool reaches.
   */
  gatherCalls(idsPtr: number, idStride: number, n: number, outPtr: number, outStride: number): number[][] {
    const s = this.shards[0];
    const at = this.shards.length === 1 ? pointerOf(s) : null;
    // One shard the pool reaches (nearly every table): its call, built without the general path's arrays.
    if (at !== null)
      return [[CALL_GATHER_ROWS, at, this.stride, this.dim, s.lo, s.hi, idsPtr, idStride, n, outPtr, outStride]];
    return this.gatherFrom(this.shards, [idsPtr, idStride, n, outPtr, outStride]);
  }

  /**
   * Calls gathering from the `shards` the pool's kernels reach (`io`: ids pointer and stride, count,
   * output pointer and stride); shards they cannot reach are gathered now.
   */
  private gatherFrom(shards: readonly Shard[], io: number[]): number[][] {
    const calls: number[][] = [];
    for (const s of shards) {
      const at = pointerOf(s);
      if (at !== null) calls.push([CALL_GATHER_ROWS, at, this.stride, this.dim, s.lo, s.hi, ...io]);
      else this.gatherSeparate(s, io[0], io[1], io[2], io[3], io[4]);
    }
    return calls;
  }

  /**
   * Like gatherCalls, except that the first reachable shard's call also finds the distinct ids of the
   * batch for the backward (into `d`, see LookupScratch) and fetches each distinct row once.
   */
  lookupCalls(
    idsPtr: number,
    idStride: number,
    n: number,
    outPtr: number,
    outStride: number,
    d: LookupScratch,
  ): number[][] {
    const first = this.shards.find((s) => pointerOf(s) !== null);
    const rows = first
      ? [pointerOf(first) as number, this.stride, this.dim, first.lo, first.hi]
      : [0, this.stride, this.dim, 0, 0];
    const io = [idsPtr, idStride, n, outPtr, outStride];
    const unique = [CALL_LOOKUP_UNIQUE, ...rows, ...io, d.scratch, d.uniq, d.inverse, d.count];
    const rest = this.shards.filter((s) => s !== first);
    return [unique, ...this.gatherFrom(rest, io)];
  }

  /** Separate memory: stage ids in, gather there, copy the rows this shard holds back out. */
  private gatherSeparate(
    s: Shard,
    idsPtr: number,
    idStride: number,
    n: number,
    outPtr: number,
    outStride: number,
  ): void {
    const g = s.group,
      heap = engine().heap,
      d = this.dim;
    const ids = heap.i32(idsPtr, (n - 1) * idStride + 1);
    const sIds = g.heap.alloc(n * 4),
      sRows = g.heap.alloc(n * d * 4);
    const staged = g.i32(sIds, n);
    for (let i = 0; i < n; i++) staged[i] = ids[i * idStride];
    g.k.gather_rows(s.ptr, this.stride, d, s.lo, s.hi, sIds, 1, n, sRows, d);
    const src = g.f32(sRows, n * d),
      out = heap.f32(outPtr, (n - 1) * outStride + d);
    for (let i = 0; i < n; i++) {
      if (staged[i] < s.lo || staged[i] >= s.hi) continue;
      for (let j = 0; j < d; j++) out[i * outStride + j] = src[i * d + j];
    }
    g.heap.release(sRows);
    g.heap.release(sIds);
  }

  /** One optimizer step on the rows of `grad`; returns the kernel calls for the shards the pool reaches. */
  updateCalls(grad: SparseGrad, u: RowUpdate): number[][] {
    const calls: number[][] = [];
    const heap = engine().heap;
    const { n, idsPtr, gradsPtr } = grad;
    for (const s of this.shards) {
      const g = s.group;
      const hyper = [u.lr, u.b1, u.b2, u.eps, u.wd];
      const at = pointerOf(s);
      if (at !== null) {
        calls.push([CALL_UPDATE_ROWS, u.kind, at, this.stride, this.dim, s.lo, s.hi, idsPtr, n, gradsPtr, ...hyper]);
        continue;
      }
      const sIds = g.heap.alloc(n * 4),
        sGrads = g.heap.alloc(n * this.dim * 4);
      g.i32(sIds, n).set(heap.i32(idsPtr, n));
      g.f32(sGrads, n * this.dim).set(heap.f32(gradsPtr, n * this.dim));
      g.k.update_rows(u.kind, s.ptr, this.stride, this.dim, s.lo, s.hi, sIds, n, sGrads, u.lr, u.b1, u.b2, u.eps, u.wd);
      g.heap.release(sGrads);
      g.heap.release(sIds);
    }
    return calls;
  }

  /** Bytes the table holds (weights and optimizer slots). */
  storedBytes(): number {
    return this.rows * this.stride * 4;
  }

  /** Frees the table's storage (its shards, pending gradients); the table must not be used after. */
  release(): void {
    this.clearPending();
    for (const s of this.shards) s.group.releaseTable(s.ptr, (s.hi - s.lo) * this.stride * 4);
    this.shards.length = 0;
  }

  /** Frees the pending sparse gradients. */
  clearPending(): void {
    const heap = engine().heap;
    for (const p of this.pending) {
      heap.release(p.idsPtr);
      heap.release(p.gradsPtr);
    }
    this.pending = [];
  }

  /** Copies rows [start, end) of the weights (not the slots) into a new array. */
  readRows(start = 0, end = this.rows): Float32Array {
    const out = new Float32Array((end - start) * this.dim);
    this.eachRow(start, end, (stored, r) => out.set(stored, (r - start) * this.dim));
    return out;
  }

  /** Overwrites the weights of rows [start, start + values.length / dim) (slots untouched). */
  writeRows(values: Float32Array, start = 0): void {
    const D = this.dim;
    this.eachRow(start, start + values.length / D, (stored, r) =>
      stored.set(values.subarray((r - start) * D, (r - start + 1) * D)),
    );
    noteWeightsChanged();
  }

  /** Calls `fn` with a view of each stored row r in [start, end) (its weights, not its slots). */
  private eachRow(start: number, end: number, fn: (stored: Float32Array, r: number) => void): void {
    for (const s of this.shards) {
      const a = Math.max(start, s.lo),
        b = Math.min(end, s.hi);
      if (a >= b) continue;
      const v = s.group.f32(s.ptr, (s.hi - s.lo) * this.stride);
      for (let r = a; r < b; r++) fn(v.subarray((r - s.lo) * this.stride, (r - s.lo) * this.stride + this.dim), r);
    }
  }
}
