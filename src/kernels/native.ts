/**
 * The optional native kernels (native/, a Node-API addon built by `npm install` where a C compiler
 * exists). They take the WebAssembly kernels' names and arguments, reading and writing the same
 * shared memory through its address, so `backend.ts` can put them in the kernels' place. Only
 * Node loads them; anywhere else, or when the build was skipped, loading reports why not.
 */
import type { KernelExports } from './exports.js';

/** The kernels the addon provides; every other kernel stays WebAssembly. */
export const NATIVE_KERNELS = [
  'sgemm',
  'sgemm_packed_bytes',
  'sgemm_pack_b',
  'gemm_work_bytes',
  'gather_rows',
  'gather_fields',
  'gather_rows_q',
  'update_rows',
  'lookup_scratch_bytes',
  'lookup_unique',
  'accumulate_unique',
  'add_row_vector',
  'sum_rows',
  'relu',
  'relu_backward',
  'axpy_rows',
  'mul_span',
  'copy_rows',
  'scale_vectors',
  'fm_forward',
  'fm_backward',
  'field_project',
  'attention_forward',
  'attention_backward',
  'bilinear_forward',
  'bilinear_backward',
  'cross_forward',
  'cross_backward',
] as const;
export type NativeKernels = Pick<KernelExports, (typeof NATIVE_KERNELS)[number]> & {
  readonly isa: string;
  /** `rounds` of the ISA's independent multiply-add chains (its FP32 peak, for benchmarks); returns the flops done. */
  fma_peak(rounds: number): number;
};

export interface NativeAddon {
  /** Instruction sets this CPU runs, best first (avx512, avx2, neon, baseline). */
  isas(): string[];
  /**
   * Kernels over the memory `view` spans (from byte 0), for `isa` (default: the best). `reserved`:
   * the bytes the memory may grow to, all backed by huge pages where the OS allows.
   */
  bind(view: Uint8Array, isa?: string, reserved?: number): NativeKernels;
  /** The address of the memory `view` lies in (pointer offsets between two memories are differences of these). */
  address(view: Uint8Array): number;
}

export type NativeLoad = { addon: NativeAddon; error: null } | { addon: null; error: string };

let loading: Promise<NativeLoad> | null = null;

/** The addon, loaded once per thread; `error` says why it is not there. */
export function loadNative(): Promise<NativeLoad> {
  loading ??= load();
  return loading;
}

async function load(): Promise<NativeLoad> {
  if (typeof process === 'undefined' || typeof process.versions?.node !== 'string')
    return { addon: null, error: 'not running on Node.js' };
  const { createRequire } = await import('node:module');
  const file = new URL('../../../native/build/Release/slimctr_native.node', import.meta.url);
  try {
    return { addon: createRequire(import.meta.url)(file.pathname) as NativeAddon, error: null };
  } catch (err) {
    const why =
      (err as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND'
        ? 'not built (no C compiler at install time?)'
        : String(err);
    return { addon: null, error: `native kernels ${why}` };
  }
}
