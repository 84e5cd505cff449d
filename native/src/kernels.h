/*
 * The native kernels' C interface. Pointers are real addresses: addon.c adds the base address of
 * the WebAssembly memory a binding was made for to each byte offset it receives from JavaScript.
 */
#ifndef SLIMCTR_KERNELS_H
#define SLIMCTR_KERNELS_H
#include <stddef.h>
#include <stdint.h>

/* C = alpha * op(A) op(B) + beta * C on rows [m0, m1), then (when given) the bias row added and
   ReLU applied (act 1): a layer's forward in one pass over C. */
typedef void sgemm_fn(
  int tA, int tB, int M, int N, int K, float alpha, const float *A, int lda, const float *B, int ldb,
  float beta, float *C, int ldc, int m0, int m1, float *work, const float *bias, int act, const float *packed);
/* op(B) (K x N) packed whole in the layout sgemm reads (its `packed` argument), and the bytes that takes (0: never read packed). */
typedef size_t packed_bytes_fn(int K, int N);
typedef void pack_b_fn(int tB, const float *B, int ldb, int K, int N, float *dst);

/* Rows ids[i * idStride] of a quantized table into out rows `outStride` floats apart (quant.c, assembly/quant.ts). */
typedef void gather_q_fn(const uint8_t *table, int rowBytes, int bits, int dim, const float *scales,
  const float *offsets, const int32_t *ids, int idStride, int n, float *out, int outStride);
gather_q_fn gather_rows_q_base, gather_rows_q_avx2, gather_rows_q_avx512, gather_rows_q_neon;

/** One instruction set's kernels: its name, whether this CPU runs it, sgemm and its scratch size, its quantized gather. */
typedef struct {
  const char *name;
  int (*supported)(void);
  sgemm_fn *sgemm;
  size_t (*gemm_work_bytes)(void);
  packed_bytes_fn *packed_bytes;
  pack_b_fn *pack_b;
  /* `n` rounds of independent multiply-add chains filling the registers (the FP32 peak); returns flops done. */
  double (*fma_peak)(double n);
  gather_q_fn *gather_rows_q;
} isa_kernels;

/* Every ISA compiled into this addon, best first; entries for another architecture are absent. */
extern const isa_kernels isa_avx512, isa_avx2, isa_base, isa_neon;

/* Where the peak loops leave their result, so the compiler keeps them. */
extern volatile float peak_sink;

int isa_list(const isa_kernels **out, int cap);
const isa_kernels *isa_pick(const char *name);

/* Embedding rows (rows.c): the same contracts as the WebAssembly kernels in assembly/rows.ts. */
int gather_rows(const float *table, int stride, int dim, int lo, int hi, const int32_t *ids, int idStride, int n,
  float *out, int outStride);
/* Rows of F tables described at `fields` (offset from `heap`, stride, lo, hi per field) for ids [n, F] into out [n, F, dim]. */
void gather_fields(const uint8_t *heap, const int32_t *fields, int F, int dim, const int32_t *ids, int n, float *out);
void update_rows(int kind, float *table, int stride, int dim, int lo, int hi, const int32_t *ids, int n,
  const float *grads, float lr, float b1, float b2, float eps, float wd);

/* Elementwise (elementwise.c): the contracts of assembly/elementwise.ts. */
void add_row_vector(float *x, const float *v, int rows, int cols);
void sum_rows(const float *x, int rows, int cols, float *out);
void relu(const float *x, float *y, int n);
void relu_backward(const float *y, const float *g, float *gx, int n);
void axpy_rows(float *dst, int dstStride, const float *src, int srcStride, int rows, int cols, float alpha);
void mul_span(float *out, const float *a, const float *b, int n, int acc);
void copy_rows(float *dst, int dstStride, const float *src, int srcStride, int rows, int cols);
void scale_vectors(float *out, int outStride, const float *values, const float *vectors, int B, int N, int D);

/* Field vectors (fields.c): the contracts of assembly/fm.ts and assembly/project.ts. */
void fm_forward(const float *emb, int F, int D, float *out, int b0, int b1);
void fm_backward(const float *emb, const float *g, int F, int D, float *gEmb, int b0, int b1);
void field_project(const float *small, const float *P, const float *mu, float *out, int B, int F, int k, int D);

/* Attention over fields (attention.c): the contracts of assembly/attention.ts. */
void attention_forward(const float *qkv, int H, int dh, int F, float scale, int res, float *out, float *probs,
  int keep, int b0, int b1);
void attention_backward(const float *qkv, int H, int dh, int F, float scale, int res, const float *g,
  const float *probs, float *gqkv, int zero, float *scratch, int b0, int b1);

/* Field-pair interactions (interaction.c): the contracts of assembly/bilinear.ts and assembly/cross.ts. */
void bilinear_forward(const float *emb, const float *W, int mode, int F, int D, float *out, int ldo, int b0, int b1);
void bilinear_backward(const float *emb, const float *W, int mode, int F, int D, const float *g, int ldo,
  float *gT, float *gEmb, int b0, int b1);
void cross_forward(const float *x0, const float *x, const float *w, const float *bias, float *out, int d, int b0,
  int b1);
void cross_backward(const float *x0, const float *x, const float *w, const float *g, float *gx0, float *gx,
  float *gs, int d, int b0, int b1);

/* Sparse lookups (sparse.c): the contracts of assembly/sparse.ts. */
size_t lookup_scratch_bytes(int n, int dim);
int lookup_unique(const float *table, int stride, int dim, int lo, int hi, const int32_t *ids, int idStride, int n,
  float *out, int outStride, void *scratch, int32_t *uniq, int32_t *inverse, int32_t *count);
void accumulate_unique(const float *g, int gStride, const int32_t *inverse, int n, int dim, float *grads, int u);

#endif
