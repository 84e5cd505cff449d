/** The functions the WebAssembly kernel module exports (pointers are byte offsets). */
export interface KernelExports {
  heap_base(): number;
  gemm_work_bytes(): number;
  sgemm(
    tA: number, tB: number, M: number, N: number, K: number, alpha: number,
    A: number, lda: number, B: number, ldb: number, beta: number, C: number, ldc: number,
    m0: number, m1: number, work: number,
  ): void;
}

export function instantiate(module: WebAssembly.Module, memory: WebAssembly.Memory): KernelExports {
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  return instance.exports as unknown as KernelExports;
}
