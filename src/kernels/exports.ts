/** The functions the WebAssembly kernel module exports (pointers are byte offsets). */
export interface KernelExports {
  heap_base(): number;
  gemm_work_bytes(): number;
  sgemm(
    tA: number,
    tB: number,
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
    m0: number,
    m1: number,
    work: number,
    /** Then the bias row at this offset (0 or absent: none) added to each row, and ReLU applied if act is 1. */
    bias?: number,
    act?: number,
    /** op(B) packed whole beforehand by sgemm_pack_b (0 or absent: none), read instead of packing B. */
    packed?: number,
  ): void;
  /** Bytes of op(B) (K x N) packed whole for sgemm's `packed`; 0 when these kernels never read B so. */
  sgemm_packed_bytes(K: number, N: number): number;
  sgemm_pack_b(tB: number, B: number, ldb: number, K: number, N: number, dst: number): void;
  add_row_vector(x: number, v: number, rows: number, cols: number): void;
  sum_rows(x: number, rows: number, cols: number, out: number): void;
  /** dst[r * dstStride + j] += alpha * src[r * srcStride + j] (strides in floats). */
  axpy_rows(
    dst: number,
    dstStride: number,
    src: number,
    srcStride: number,
    rows: number,
    cols: number,
    alpha: number,
  ): void;
  /** dst[r * dstStride + j] = src[r * srcStride + j] (strides in floats). */
  copy_rows(dst: number, dstStride: number, src: number, srcStride: number, rows: number, cols: number): void;
  /** out[b * outStride + n * D + d] = values[b * N + n] * vectors[n * D + d]. */
  scale_vectors(out: number, outStride: number, values: number, vectors: number, B: number, N: number, D: number): void;
  /** out = a * b over n floats; with acc = 1, out += a * b. */
  mul_span(out: number, a: number, b: number, n: number, acc: number): void;
  relu(x: number, y: number, n: number): void;
  relu_backward(y: number, g: number, gx: number, n: number): void;
  field_project(small: number, P: number, mu: number, out: number, B: number, F: number, k: number, D: number): void;
  /** Zero pointers skip a gradient; all accumulate. */
  field_project_backward(
    small: number,
    P: number,
    g: number,
    gSmall: number,
    gP: number,
    gMu: number,
    B: number,
    F: number,
    k: number,
    D: number,
  ): void;
  sgd_span(w: number, g: number, n: number, lr: number, wd: number): void;
  adagrad_span(w: number, g: number, acc: number, n: number, lr: number, eps: number, wd: number): void;
  /** `lrt` = lr * sqrt(1 - b2^t) / (1 - b1^t). */
  adam_span(
    w: number,
    g: number,
    m: number,
    v: number,
    n: number,
    lrt: number,
    b1: number,
    b2: number,
    eps: number,
    wd: number,
  ): void;
  /** Small-batch lookups in F tables at once: field f's table at fields + 16 f (offset, stride, lo, hi as i32); ids [n, F]; out [n, F, dim]. */
  gather_fields(fields: number, F: number, dim: number, ids: number, n: number, out: number): void;
  gather_rows(
    table: number,
    stride: number,
    dim: number,
    lo: number,
    hi: number,
    ids: number,
    idStride: number,
    n: number,
    out: number,
    outStride: number,
  ): number;
  /** Rows ids[i * idStride] (n of them) of a quantized table, dequantized into out rows `outStride` floats apart (see assembly/quant.ts). */
  gather_rows_q(
    table: number,
    rowBytes: number,
    bits: number,
    dim: number,
    scales: number,
    offsets: number,
    ids: number,
    idStride: number,
    n: number,
    out: number,
    outStride: number,
  ): void;
  /** Scratch bytes lookup_unique needs for n ids of a dim-wide table. */
  lookup_scratch_bytes(n: number, dim: number): number;
  /** Distinct ids of a batch, ascending (uniq, inverse, count), plus the lookup of rows [lo, hi); see assembly/sparse.ts. */
  lookup_unique(
    table: number,
    stride: number,
    dim: number,
    lo: number,
    hi: number,
    ids: number,
    idStride: number,
    n: number,
    out: number,
    outStride: number,
    scratch: number,
    uniq: number,
    inverse: number,
    count: number,
  ): number;
  /** grads[k] (k < u, zeroed first) = sum of the g rows i with inverse[i] = k, in order of i. */
  accumulate_unique(
    g: number,
    gStride: number,
    inverse: number,
    n: number,
    dim: number,
    grads: number,
    u: number,
  ): void;
  update_rows(
    kind: number,
    table: number,
    stride: number,
    dim: number,
    lo: number,
    hi: number,
    ids: number,
    n: number,
    grads: number,
    lr: number,
    b1: number,
    b2: number,
    eps: number,
    wd: number,
  ): void;
  /** Self-attention over fields for examples [b0, b1) (see assembly/attention.ts); qkv rows are [Q | K | V | residual if res]. */
  attention_forward(
    qkv: number,
    H: number,
    dh: number,
    F: number,
    scale: number,
    res: number,
    out: number,
    probs: number,
    keep: number,
    b0: number,
    b1: number,
  ): void;
  attention_backward(
    qkv: number,
    H: number,
    dh: number,
    F: number,
    scale: number,
    res: number,
    g: number,
    probs: number,
    gqkv: number,
    zero: number,
    scratch: number,
    b0: number,
    b1: number,
  ): void;
  /** FiBiNET pair products for examples [b0, b1), output rows `ldo` floats apart; mode 0/1/2 = field_all/field_each/field_interaction. */
  bilinear_forward(
    emb: number,
    W: number,
    mode: number,
    F: number,
    D: number,
    out: number,
    ldo: number,
    b0: number,
    b1: number,
  ): void;
  bilinear_backward(
    emb: number,
    W: number,
    mode: number,
    F: number,
    D: number,
    g: number,
    ldo: number,
    gT: number,
    gEmb: number,
    b0: number,
    b1: number,
  ): void;
  /** FM pairwise term of examples [b0, b1) of emb [B, F, D] into out [B] (assembly/fm.ts). */
  fm_forward(emb: number, F: number, D: number, out: number, b0: number, b1: number): void;
  /** gEmb += g[b] * (column sums - emb) for examples [b0, b1). */
  fm_backward(emb: number, g: number, F: number, D: number, gEmb: number, b0: number, b1: number): void;
  /** DCN cross layer rows [b0, b1): out = x0 (x . w) + bias + x. */
  cross_forward(x0: number, x: number, w: number, bias: number, out: number, d: number, b0: number, b1: number): void;
  cross_backward(
    x0: number,
    x: number,
    w: number,
    g: number,
    gx0: number,
    gx: number,
    gs: number,
    d: number,
    b0: number,
    b1: number,
  ): void;
}

export function instantiate(module: WebAssembly.Module, memory: WebAssembly.Memory): KernelExports {
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  const k = { ...instance.exports } as unknown as KernelExports;
  // The WebAssembly sgemm has no epilogue: its bias and ReLU run after it, on the same rows.
  const gemm = k.sgemm;
  k.sgemm = (tA, tB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, m0, m1, work, bias, act) => {
    gemm(tA, tB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, m0, m1, work);
    if (!bias && !act) return;
    const rows = Math.min(m1, M) - m0;
    if (rows <= 0) return;
    for (const [at, n] of ldc === N ? [[m0, rows]] : Array.from({ length: rows }, (_, r) => [m0 + r, 1])) {
      const c = C + at * ldc * 4;
      if (bias) k.add_row_vector(c, bias, n, N);
      if (act) k.relu(c, c, n * N);
    }
  };
  // It has no packed-B layout either: it packs B itself on every call.
  k.sgemm_packed_bytes = () => 0;
  k.sgemm_pack_b = () => {
    throw new Error('internal: the WebAssembly sgemm takes no packed B (sgemm_packed_bytes is 0)');
  };
  return k;
}
