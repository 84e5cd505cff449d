/**
 * The kernel heap: one shared WebAssembly.Memory that the main thread and every worker read and
 * write. JavaScript owns allocation. Blocks are 64-byte aligned (cache lines, v128 loads) and
 * recycled by exact size, which suits training: every step allocates the same sizes again. When
 * the heap would outgrow its limit (say evaluation at a bigger batch after training), free blocks
 * are merged with their neighbours and reused by best fit before giving up.
 */
import { ResourceError } from '../util/errors.js';
const PAGE = 65536;
const ALIGN = 64;

export class Heap {
  readonly memory: WebAssembly.Memory;
  private top: number;
  private readonly free = new Map<number, number[]>();
  /**
   * Size of each block ever handed out by its offset: positive while in use, negated once released.
   * Entries are never deleted: the same offsets come back batch after batch, so the map stops
   * growing, and no churn of its backing store fills the old JS heap (a server worker scoring
   * batches between requests ran a mark-compact GC every ~0.8 s when entries were deleted).
   */
  private readonly sizes = new Map<number, number>();
  /** Bytes currently handed out (for leak checks and memory reports). */
  inUse = 0;

  /** `maxBytes` caps growth (a test uses a small cap to prove nothing assumes one big heap). */
  constructor(
    base: number,
    readonly maxBytes = 4 * 1024 * 1024 * 1024 - PAGE,
  ) {
    const maximum = Math.floor(maxBytes / PAGE);
    this.memory = new WebAssembly.Memory({ initial: Math.min(64, maximum), maximum, shared: true });
    this.top = Math.ceil(base / ALIGN) * ALIGN;
  }

  /** Bytes that can still be allocated fresh (ignoring recycled blocks). */
  available(): number {
    return this.maxBytes - this.top;
  }

  get buffer(): ArrayBufferLike {
    return this.memory.buffer;
  }

  /** Returns the byte offset of a block of at least `bytes` bytes (contents undefined). */
  alloc(bytes: number): number {
    const size = Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);
    const list = this.free.get(size);
    let ptr = list?.pop();
    if (ptr === undefined && this.top + size > this.maxBytes) {
      this.coalesce();
      ptr = this.bestFit(size);
    }
    if (ptr === undefined) {
      ptr = this.top;
      const end = ptr + size;
      if (end > this.memory.buffer.byteLength) this.grow(end);
      this.top = end;
    }
    this.sizes.set(ptr, size);
    this.inUse += size;
    return ptr;
  }

  release(ptr: number): void {
    const size = this.sizes.get(ptr);
    if (size === undefined || size < 0)
      throw new Error(`internal: heap: release of ${size === undefined ? 'unknown' : 'released'} block ${ptr}`);
    this.sizes.set(ptr, -size);
    this.inUse -= size;
    this.pushFree(ptr, size);
  }

  /** Merges adjacent free blocks; a free run that reaches the top gives its space back to the top. */
  private coalesce(): void {
    const blocks: [number, number][] = [];
    for (const [size, ptrs] of this.free) for (const p of ptrs) blocks.push([p, size]);
    blocks.sort((a, b) => a[0] - b[0]);
    this.free.clear();
    const merged: [number, number][] = [];
    for (const [p, size] of blocks) {
      const last = merged[merged.length - 1];
      if (last && last[0] + last[1] === p) last[1] += size;
      else merged.push([p, size]);
    }
    const tail = merged[merged.length - 1];
    if (tail && tail[0] + tail[1] === this.top) {
      this.top = tail[0];
      merged.pop();
    }
    for (const [p, size] of merged) this.pushFree(p, size);
  }

  /** Takes the smallest free block of at least `size` bytes, returning the rest to the free lists. */
  private bestFit(size: number): number | undefined {
    let best = Infinity;
    for (const [s, ptrs] of this.free) if (s >= size && s < best && ptrs.length) best = s;
    if (best === Infinity) return undefined;
    const ptr = this.free.get(best)!.pop()!;
    if (best > size) this.pushFree(ptr + size, best - size);
    return ptr;
  }

  private pushFree(ptr: number, size: number): void {
    let list = this.free.get(size);
    if (!list) this.free.set(size, (list = []));
    list.push(ptr);
  }

  private grow(end: number): void {
    const have = this.memory.buffer.byteLength;
    if (end > this.maxBytes) {
      throw new ResourceError(
        `kernel heap: need ${(end / 2 ** 20).toFixed(1)} MiB, limit is ${(this.maxBytes / 2 ** 20).toFixed(1)} MiB`,
      );
    }
    const want = Math.min(Math.max(end, have * 1.5), this.maxBytes);
    this.memory.grow(Math.ceil((want - have) / PAGE));
  }

  f32(ptr: number, length: number): Float32Array {
    return new Float32Array(this.memory.buffer, ptr, length);
  }

  i32(ptr: number, length: number): Int32Array {
    return new Int32Array(this.memory.buffer, ptr, length);
  }
}
