/**
 * The engine: the kernel module instantiated over one shared heap, plus the worker pool.
 * Everything above this layer (tensors, autograd, optimizers) calls kernels through here.
 */
import { defaultThreads } from '../platform/node.js';
import { backendChoice, kernelsOver, resolveBackend, type Backend, type BackendChoice } from './backend.js';
import type { KernelExports } from './exports.js';
import { Heap } from './heap.js';
import { loadKernelModule, type KernelVariant } from './module.js';
import { ThreadPool } from './pool.js';
import { CALL_SLOTS, TASK_BATCHED_SGEMM, TASK_CALLS, TASK_SGEMM } from './protocol.js';
import { UsageError } from '../util/errors.js';

export interface EngineOptions {
  /** Threads for large kernels, main thread included. Default: all cores (one in a browser). */
  threads?: number;
  /** Force a kernel build (default: relaxed SIMD where available). */
  variant?: KernelVariant;
  /** Cap on the kernel heap in bytes (default just under 4 GiB, wasm32's limit). */
  maxHeapBytes?: number;
  /** Folder URL to fetch the kernel builds (`kernels*.wasm`) from, instead of beside this module. */
  kernelsUrl?: string;
  /** auto (native kernels where built, else WebAssembly), native or wasm; default SLIMCTR_BACKEND, else auto. */
  backend?: BackendChoice;
  /** Native instruction set to use instead of the best this CPU runs (tests compare them). */
  nativeIsa?: string;
}

/** Below this many multiply-adds a gemm runs on the calling thread alone (waking workers costs more). */
const PARALLEL_MIN_MACS = 1 << 18;
/** Pool calls moving fewer values than this in all run on the calling thread. */
const PARALLEL_MIN_FLOATS = 1 << 14;

/** What sgemm does to C's rows after the product: add the bias row at offset `bias` (0: none), then ReLU. */
export interface Epilogue {
  bias: number;
  relu: boolean;
}
const NO_EPILOGUE: Epilogue = { bias: 0, relu: false };

export class Engine {
  private constructor(
    readonly k: KernelExports,
    readonly heap: Heap,
    readonly pool: ThreadPool,
    readonly module: WebAssembly.Module,
    readonly variant: KernelVariant,
    /** Which kernels run (native with its ISA, or WebAssembly); for reports only. */
    readonly backend: Backend,
  ) {}

  get threads(): number {
    return this.pool.threads;
  }

  static async create(opts: EngineOptions = {}): Promise<Engine> {
    const backend = await resolveBackend(backendChoice(opts.backend), opts.nativeIsa);
    const { module, variant } = await loadKernelModule(opts.variant, opts.kernelsUrl);
    const heap = new Heap(1 << 20, opts.maxHeapBytes);
    const k = kernelsOver(module, heap.memory, backend.addon, backend.isa, heap.maxBytes);
    if (k.heap_base() > 1 << 20) throw new Error('internal: kernels: static data exceeds the reserved 1 MiB');
    const threads = Math.max(1, Math.floor(opts.threads ?? defaultThreads()));
    const pool = await ThreadPool.create(k, heap, module, threads, backend.isa);
    return new Engine(k, heap, pool, module, variant, backend);
  }

  /** The kernels (same backend as this engine's) over another heap, e.g. a separate table group's. */
  kernelsOver(heap: Heap): KernelExports {
    return kernelsOver(this.module, heap.memory, this.backend.addon, this.backend.isa, heap.maxBytes);
  }

  /**
   * Where another heap's byte 0 lies as a pointer of this engine's kernels (their pointers are
   * offsets into the main heap), or null when they cannot reach it: WebAssembly kernels see one
   * memory only, and the caller stages data through that heap's own kernels instead.
   */
  reach(heap: Heap): number | null {
    const addon = this.backend.addon;
    if (!addon || this.backend.isa === null) return null;
    return addon.address(new Uint8Array(heap.memory.buffer)) - addon.address(new Uint8Array(this.heap.memory.buffer));
  }

  /**
   * A copy of op(B) (K x N, stored at byte offset B) in the layout this engine's sgemm reads, for a
   * matrix many products read unchanged (a served model's weights): pass its offset as sgemm's
   * `packedB` (with the same B) and the product skips packing B. Null when the kernels have no such
   * layout (WebAssembly) or never read this shape packed. The caller releases it (heap.release).
   */
  packB(tB: boolean, K: number, N: number, B: number, ldb: number): number | null {
    const bytes = this.k.sgemm_packed_bytes(K, N);
    if (bytes === 0) return null;
    const dst = this.heap.alloc(bytes);
    this.k.sgemm_pack_b(+tB, B, ldb, K, N, dst);
    return dst;
  }

  /**
   * C = alpha * op(A) op(B) + beta * C for row-major matrices given by byte offsets.
   * op(A) is M x K, op(B) is K x N; `tA`/`tB` say the stored matrix is the transpose. `packedB`: a
   * copy of this op(B) from packB (0: none).
   */
  sgemm(
    tA: boolean,
    tB: boolean,
    M: number,
    N: number,
    K: number,
    alpha: number,
    A: number,
    lda: number,
    B: number,
    ldb: number,
    beta: number,
    C: number,
    ldc: number,
    epilogue: Epilogue = NO_EPILOGUE,
    packedB = 0,
  ): void {
    if (M === 0 || N === 0) return;
    const byRows = M * N * K >= PARALLEL_MIN_MACS && M >= 8;
    // A row or two (batch-1 scoring) against a stored wide B: threads take columns, each reading only
    // its part of B, so a layer's weights stay spread over the cores' caches.
    const byColumns = !byRows && M <= 2 && !tB && N >= 64 * this.pool.threads && N * K >= PARALLEL_MIN_MACS / 4;
    const threads = byRows || byColumns ? this.pool.threads : 1;
    const { bias, relu } = epilogue;
    if (threads === 1) {
      this.k.sgemm(
        +tA,
        +tB,
        M,
        N,
        K,
        alpha,
        A,
        lda,
        B,
        ldb,
        beta,
        C,
        ldc,
        0,
        M,
        this.pool.mainWork,
        bias,
        +relu,
        packedB,
      );
      return;
    }
    this.pool.args.set([+tA, +tB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, bias, +relu, packedB, +byColumns]);
    this.pool.run(TASK_SGEMM, threads);
  }

  /** `count` independent gemms whose operands sit `strideA/B/C` bytes apart, spread over threads. */
  sgemmBatched(
    count: number,
    tA: boolean,
    tB: boolean,
    M: number,
    N: number,
    K: number,
    alpha: number,
    A: number,
    lda: number,
    strideA: number,
    B: number,
    ldb: number,
    strideB: number,
    beta: number,
    C: number,
    ldc: number,
    strideC: number,
  ): void {
    if (count === 0 || M === 0 || N === 0) return;
    const gemm = [+tA, +tB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc];
    this.pool.args.set([...gemm, count, strideA, strideB, strideC]);
    const threads = count * M * N * K >= PARALLEL_MIN_MACS ? this.pool.threads : 1;
    this.pool.run(TASK_BATCHED_SGEMM, threads);
  }

  /**
   * Runs independent kernel calls (each `[call code, ...args]`, codes in protocol.ts) spread
   * round-robin over the threads. Each call runs whole on one thread, so results are the same for
   * any thread count. `floats`, the values the calls move in all, keeps small jobs (a batch of one
   * row) on this thread, where waking a worker would cost more than the work.
   */
  runCalls(calls: number[][], floats = Infinity): void {
    if (calls.length === 0) return;
    const ptr = this.heap.alloc(calls.length * CALL_SLOTS * 8);
    const table = new Float64Array(this.heap.buffer, ptr, calls.length * CALL_SLOTS);
    calls.forEach((c, i) => table.set(c, i * CALL_SLOTS));
    this.pool.args[0] = calls.length;
    this.pool.args[1] = ptr;
    this.pool.run(TASK_CALLS, calls.length > 1 && floats >= PARALLEL_MIN_FLOATS ? this.pool.threads : 1);
    this.heap.release(ptr);
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}

let current: Promise<Engine> | null = null;
let ready: Engine | null = null;

/** The process-wide engine, created on first use with default options. */
export function getEngine(): Promise<Engine> {
  if (!current) current = Engine.create().then((e) => (ready = e));
  return current;
}

/** Replaces the process-wide engine (e.g. to set the thread count); closes the old one. */
export async function initEngine(opts: EngineOptions = {}): Promise<Engine> {
  const old = current;
  ready = null;
  current = Engine.create(opts).then((e) => (ready = e));
  if (old) await (await old).close();
  return current;
}

/** The engine if one has started, else null (for callers that start one only when none runs). */
export function runningEngine(): Engine | null {
  return ready;
}

/** The engine, synchronously; tensors and ops use this. Throws before `getEngine()`/`initEngine()` resolved. */
export function engine(): Engine {
  if (!ready) throw new UsageError('slimctr engine not started: await getEngine() or initEngine() first');
  return ready;
}
