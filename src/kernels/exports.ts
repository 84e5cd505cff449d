/** The functions the WebAssembly kernel module exports (pointers are byte offsets). */
export interface KernelExports {
  heap_base(): number;
  gemm_work_bytes(): number;
  sgemm(
    tA: number, tB: number, M: number, N: number, K: number, alpha: number,
    A: number, lda: number, B: number, ldb: number, beta: number, C: number, ldc: number,
    m0: number, m1: number, work: number,
  ): void;
  add_row_vector(x: number, v: number, rows: number, cols: number): void;
  sum_rows(x: number, rows: number, cols: number, out: number): void;
  /** dst[r * dstStride + j] += alpha * src[r * srcStride + j] (strides in floats). */
  axpy_rows(dst: number, dstStride: number, src: number, srcStride: number, rows: number, cols: number, alpha: number): void;
  /** out = a * b over n floats; with acc = 1, out += a * b. */
  mul_span(out: number, a: number, b: number, n: number, acc: number): void;
  relu(x: number, y: number, n: number): void;
  relu_backward(y: number, g: number, gx: number, n: number): void;
  field_project(small: number, P: number, mu: number, out: number, B: number, F: number, k: number, D: number): void;
  /** Zero pointers skip a gradient; all accumulate. */
  field_project_backward(small: number, P: number, g: number, gSmall: number, gP: number, gMu: number, B: number, F: number, k: number, D: number): void;
  sgd_span(w: number, g: number, n: number, lr: number, wd: number): void;
  adagrad_span(w: number, g: number, acc: number, n: number, lr: number, eps: number, wd: number): void;
  /** `lrt` = lr * sqrt(1 - b2^t) / (1 - b1^t). */
  adam_span(w: number, g: number, m: number, v: number, n: number, lrt: number, b1: number, b2: number, eps: number, wd: number): void;
  gather_rows(
    table: number, stride: number, dim: number, lo: number, hi: number, ids: number, idStride: number, n: number, out: number, outStride: number,
  ): number;
  /** Scratch bytes lookup_unique needs for n ids of a dim-wide table. */
  lookup_scratch_bytes(n: number, dim: number): number;
  /** Distinct ids of a batch, ascending (uniq, inverse, count), plus the lookup of rows [lo, hi); see assembly/sparse.ts. */
  lookup_unique(
    table: number, stride: number, dim: number, lo: number, hi: number, ids: number, idStride: number, n: number, out: number, outStride: number,
    scratch: number, uniq: number, inverse: number, count: number,
  ): number;
  /** grads[k] (k < u, zeroed first) = sum of the g rows i with inverse[i] = k, in order of i. */
  accumulate_unique(g: number, gStride: number, inverse: number, n: number, dim: number, grads: number, u: number): void;
  update_rows(
    kind: number, table: number, stride: number, dim: number, lo: number, hi: number, ids: number, n: number, grads: number,
    lr: number, b1: number, b2: number, eps: number, wd: number,
  ): void;
}

export function instantiate(module: WebAssembly.Module, memory: WebAssembly.Memory): KernelExports {
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  return instance.exports as unknown as KernelExports;
}
