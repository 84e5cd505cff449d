/**
 * A table group: one WebAssembly memory (at most 4 GiB, wasm32's limit) with its own instance of
 * the kernels. Group 0 can be the engine's main heap, so lookups write straight into activation
 * tensors; further groups are separate memories, so tables plus optimizer state can exceed 4 GiB
 * in total. Where the engine's kernels can address a separate memory directly (`reach`), they work
 * on its tables in place, on the pool like the main heap's; otherwise data crosses into and out of
 * the group through small staging buffers, on the calling thread.
 */
import type { Engine } from '../kernels/engine.js';
import type { KernelExports } from '../kernels/exports.js';
import { Heap } from '../kernels/heap.js';

/** Default space kept free in every group for staging the ids and rows of a batch. */
const STAGING_RESERVE = 64 * 1024 * 1024;

export class TableGroup {
  private constructor(
    readonly heap: Heap,
    readonly k: KernelExports,
    readonly isMain: boolean,
    /** Where this group's byte 0 lies as a main-heap kernel pointer; null when only `k` can reach it. */
    readonly reach: number | null,
    /** Most bytes tables may take in this group. */
    private budget: number,
    private readonly staging: number,
  ) {}

  static main(engine: Engine, budget: number, staging = STAGING_RESERVE): TableGroup {
    return new TableGroup(engine.heap, engine.k, true, 0, budget, staging);
  }

  static separate(engine: Engine, bytes: number, staging = STAGING_RESERVE): TableGroup {
    const heap = new Heap(1 << 20, bytes);
    const k = engine.kernelsOver(heap);
    return new TableGroup(heap, k, false, engine.reach(heap), bytes - (1 << 20) - staging, staging);
  }

  /** Bytes tables may still take in this group. */
  room(): number {
    return Math.max(0, Math.min(this.budget, this.heap.available() - this.staging));
  }

  /** How many rows of `rowBytes` bytes still fit in this group. */
  rowsThatFit(rowBytes: number): number {
    return Math.floor(this.room() / rowBytes);
  }

  /** Allocates table storage (counted against the budget until releaseTable). */
  allocTable(bytes: number): number {
    this.budget -= bytes;
    return this.heap.alloc(bytes);
  }

  /**
   * Frees table storage from allocTable: the block goes back to the heap for reuse and its bytes to
   * the budget. A separate group's memory itself stays reserved (a WebAssembly memory never shrinks).
   */
  releaseTable(ptr: number, bytes: number): void {
    this.heap.release(ptr);
    this.budget += bytes;
  }

  f32(ptr: number, n: number): Float32Array {
    return this.heap.f32(ptr, n);
  }

  i32(ptr: number, n: number): Int32Array {
    return this.heap.i32(ptr, n);
  }
}
