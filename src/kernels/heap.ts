/**
 * The kernel heap: one shared WebAssembly.Memory that the main thread and every worker read and
 * write. JavaScript owns allocation. Blocks are 64-byte aligned (cache lines, v128 loads) and
 * recycled by exact size, which suits training: every step allocates the same sizes again.
 */
const PAGE = 65536;
const ALIGN = 64;

export class Heap {
  readonly memory: WebAssembly.Memory;
  private top: number;
  private readonly free = new Map<number, number[]>();
  private readonly sizes = new Map<number, number>();
  /** Bytes currently handed out (for leak checks and memory reports). */
  inUse = 0;

  /** `maxBytes` caps growth (a test uses a small cap to prove nothing assumes one big heap). */
  constructor(base: number, readonly maxBytes = 4 * 1024 * 1024 * 1024 - PAGE) {
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
    if (size === undefined) throw new Error(`heap: release of unknown block ${ptr}`);
    this.sizes.delete(ptr);
    this.inUse -= size;
    let list = this.free.get(size);
    if (!list) this.free.set(size, (list = []));
    list.push(ptr);
  }

  private grow(end: number): void {
    const have = this.memory.buffer.byteLength;
    if (end > this.maxBytes) {
      throw new RangeError(
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
