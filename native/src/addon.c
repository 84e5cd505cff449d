/*
 * The Node-API face of the native kernels. `bind(view, isa?)` takes a Uint8Array over a
 * WebAssembly memory's whole buffer and returns functions with the names and arguments of the
 * WebAssembly kernels (src/kernels/exports.ts): pointers are byte offsets into that memory, which
 * each call adds to the memory's base address. A shared WebAssembly memory is reserved at its
 * maximum size up front and grows in place, so that address stays valid for the memory's life.
 * `isas()` lists the instruction sets this CPU runs, best first.
 *
 * A pointer argument is a signed offset from the bound memory's base, so a kernel bound to the main
 * heap can also reach another memory of the same process (a separate embedding-table group) at
 * offset `address(other) - address(main)`: every thread maps a shared memory at the same address.
 * `bind` asks Linux to back the memory's reservation with transparent huge pages: embedding rows
 * are fetched at random across gigabytes, and with 4 KiB pages nearly every fetch also walks the
 * page table.
 */
#include <node_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "kernels.h"

typedef struct {
  uint8_t *base;
  const isa_kernels *isa;
  int refs; /* functions still alive that point here */
} binding;

#define MAX_ARGS 20
#define CHECK(call)                                                   \
  do {                                                                \
    if ((call) != napi_ok) {                                          \
      napi_throw_error(env, NULL, "slimctr native: " #call " failed"); \
      return NULL;                                                    \
    }                                                                 \
  } while (0)

/* Reads up to `n` numeric arguments into `a` (missing ones are 0) and the function's binding. */
static int read_args(napi_env env, napi_callback_info info, int n, double *a, binding **b) {
  size_t argc = MAX_ARGS;
  napi_value argv[MAX_ARGS];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, (void **)b) != napi_ok) return 0;
  for (int i = 0; i < n; i++) {
    a[i] = 0;
    if ((size_t)i < argc && napi_get_value_double(env, argv[i], &a[i]) != napi_ok) {
      char msg[96];
      snprintf(msg, sizeof msg, "slimctr native: kernel argument %d is not a number", i);
      napi_throw_type_error(env, NULL, msg);
      return 0;
    }
  }
  return 1;
}

#define P(i) ((void *)((uintptr_t)b->base + (uintptr_t)(int64_t)a[i]))
#define I(i) ((int)(int64_t)a[i])
#define F(i) ((float)a[i])
/* A pointer that may be absent: offset 0 (never a tensor's) means NULL. */
#define PN(i) (a[i] == 0 ? NULL : P(i))

static napi_value number(napi_env env, double v) {
  napi_value out;
  napi_create_double(env, v, &out);
  return out;
}

/*
 * One wrapper per kernel: KERNEL(name, argument count, call) for a kernel that returns nothing,
 * KERNEL_NUMBER(...) for one whose result goes back to JavaScript as a number. The call reads its
 * arguments with P(i) (pointer), I(i) (int) and F(i) (float).
 */
#define KERNEL(name, n, call)                                      \
  static napi_value js_##name(napi_env env, napi_callback_info info) { \
    double a[(n) > 0 ? (n) : 1];                                   \
    binding *b;                                                    \
    if (read_args(env, info, n, a, &b)) call;                      \
    return NULL;                                                   \
  }
#define KERNEL_NUMBER(name, n, call)                               \
  static napi_value js_##name(napi_env env, napi_callback_info info) { \
    double a[(n) > 0 ? (n) : 1];                                   \
    binding *b;                                                    \
    if (!read_args(env, info, n, a, &b)) return NULL;              \
    return number(env, (double)(call));                            \
  }

KERNEL(sgemm, 19, b->isa->sgemm(I(0), I(1), I(2), I(3), I(4), F(5), P(6), I(7), P(8), I(9), F(10), P(11), I(12), I(13), I(14), P(15),
  PN(16), I(17), PN(18)))
KERNEL_NUMBER(sgemm_packed_bytes, 2, b->isa->packed_bytes(I(0), I(1)))
KERNEL(sgemm_pack_b, 6, b->isa->pack_b(I(0), P(1), I(2), I(3), I(4), P(5)))
KERNEL_NUMBER(gemm_work_bytes, 0, b->isa->gemm_work_bytes())
/* fma_peak(rounds): the ISA's independent-FMA-chains loop; returns the flops it did (time it outside). */
KERNEL_NUMBER(fma_peak, 1, b->isa->fma_peak(a[0]))
KERNEL_NUMBER(gather_rows, 10, gather_rows(P(0), I(1), I(2), I(3), I(4), P(5), I(6), I(7), P(8), I(9)))
KERNEL(gather_fields, 6, gather_fields(b->base, P(0), I(1), I(2), P(3), I(4), P(5)))
KERNEL(gather_rows_q, 11, b->isa->gather_rows_q(P(0), I(1), I(2), I(3), P(4), P(5), P(6), I(7), I(8), P(9), I(10)))
KERNEL(update_rows, 14, update_rows(I(0), P(1), I(2), I(3), I(4), I(5), P(6), I(7), P(8), F(9), F(10), F(11), F(12), F(13)))
KERNEL_NUMBER(lookup_scratch_bytes, 2, lookup_scratch_bytes(I(0), I(1)))
KERNEL_NUMBER(lookup_unique, 14, lookup_unique(P(0), I(1), I(2), I(3), I(4), P(5), I(6), I(7), P(8), I(9), P(10), P(11), P(12), P(13)))
KERNEL(accumulate_unique, 7, accumulate_unique(P(0), I(1), P(2), I(3), I(4), P(5), I(6)))
KERNEL(add_row_vector, 4, add_row_vector(P(0), P(1), I(2), I(3)))
KERNEL(sum_rows, 4, sum_rows(P(0), I(1), I(2), P(3)))
KERNEL(relu, 3, relu(P(0), P(1), I(2)))
KERNEL(relu_backward, 4, relu_backward(P(0), P(1), P(2), I(3)))
KERNEL(axpy_rows, 7, axpy_rows(P(0), I(1), P(2), I(3), I(4), I(5), F(6)))
KERNEL(mul_span, 5, mul_span(P(0), P(1), P(2), I(3), I(4)))
KERNEL(copy_rows, 6, copy_rows(P(0), I(1), P(2), I(3), I(4), I(5)))
KERNEL(scale_vectors, 7, scale_vectors(P(0), I(1), P(2), P(3), I(4), I(5), I(6)))
KERNEL(fm_forward, 6, fm_forward(P(0), I(1), I(2), P(3), I(4), I(5)))
KERNEL(fm_backward, 7, fm_backward(P(0), P(1), I(2), I(3), P(4), I(5), I(6)))
KERNEL(field_project, 8, field_project(P(0), P(1), P(2), P(3), I(4), I(5), I(6), I(7)))
KERNEL(attention_forward, 11, attention_forward(P(0), I(1), I(2), I(3), F(4), I(5), P(6), P(7), I(8), I(9), I(10)))
KERNEL(attention_backward, 13,
  attention_backward(P(0), I(1), I(2), I(3), F(4), I(5), P(6), P(7), P(8), I(9), P(10), I(11), I(12)))
KERNEL(bilinear_forward, 9, bilinear_forward(P(0), P(1), I(2), I(3), I(4), P(5), I(6), I(7), I(8)))
KERNEL(bilinear_backward, 11, bilinear_backward(P(0), P(1), I(2), I(3), I(4), P(5), I(6), P(7), PN(8), I(9), I(10)))
KERNEL(cross_forward, 8, cross_forward(P(0), P(1), P(2), P(3), P(4), I(5), I(6), I(7)))
KERNEL(cross_backward, 10, cross_backward(P(0), P(1), P(2), P(3), PN(4), PN(5), P(6), I(7), I(8), I(9)))

static void release(napi_env env, void *data, void *hint) {
  binding *b = data;
  if (--b->refs == 0) free(b);
}

static const struct {
  const char *name;
  napi_callback fn;
} kernels[] = {
  {"sgemm", js_sgemm},
  {"sgemm_packed_bytes", js_sgemm_packed_bytes},
  {"sgemm_pack_b", js_sgemm_pack_b},
  {"gemm_work_bytes", js_gemm_work_bytes},
  {"fma_peak", js_fma_peak},
  {"gather_rows", js_gather_rows},
  {"gather_fields", js_gather_fields},
  {"gather_rows_q", js_gather_rows_q},
  {"update_rows", js_update_rows},
  {"add_row_vector", js_add_row_vector},
  {"sum_rows", js_sum_rows},
  {"relu", js_relu},
  {"relu_backward", js_relu_backward},
  {"axpy_rows", js_axpy_rows},
  {"mul_span", js_mul_span},
  {"copy_rows", js_copy_rows},
  {"scale_vectors", js_scale_vectors},
  {"fm_forward", js_fm_forward},
  {"fm_backward", js_fm_backward},
  {"field_project", js_field_project},
  {"attention_forward", js_attention_forward},
  {"attention_backward", js_attention_backward},
  {"bilinear_forward", js_bilinear_forward},
  {"bilinear_backward", js_bilinear_backward},
  {"cross_forward", js_cross_forward},
  {"cross_backward", js_cross_backward},
  {"lookup_scratch_bytes", js_lookup_scratch_bytes},
  {"lookup_unique", js_lookup_unique},
  {"accumulate_unique", js_accumulate_unique},
};

/* Transparent huge pages for the whole 2 MiB blocks of [start, start + bytes), where the OS has them. */
static void huge_pages(void *start, size_t bytes) {
#ifdef MADV_HUGEPAGE
  const uintptr_t huge = (uintptr_t)2 << 20;
  uintptr_t lo = ((uintptr_t)start + huge - 1) & ~(huge - 1), hi = ((uintptr_t)start + bytes) & ~(huge - 1);
  if (hi > lo) madvise((void *)lo, hi - lo, MADV_HUGEPAGE); /* advice only: a refusal changes nothing */
#endif
}

/* The data of the typed array `v` (with its type, length and byte offset), or NULL after a TypeError saying `need`. */
static void *typed_array(napi_env env, napi_value v, const char *need, napi_typedarray_type *type, size_t *length,
  size_t *offset) {
  bool is_typed = false;
  void *data = NULL;
  napi_value buffer;
  if (v) CHECK(napi_is_typedarray(env, v, &is_typed));
  if (is_typed) CHECK(napi_get_typedarray_info(env, v, type, length, &data, &buffer, offset));
  if (!is_typed || data == NULL) napi_throw_type_error(env, NULL, need);
  return data;
}

static napi_value js_bind(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3] = {NULL, NULL, NULL};
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  napi_typedarray_type type;
  size_t length, offset;
  const char *need = "slimctr native: bind() needs a Uint8Array starting at byte 0 of the kernel memory";
  void *data = typed_array(env, argv[0], need, &type, &length, &offset);
  if (!data) return NULL;
  if (type != napi_uint8_array || offset != 0) {
    napi_throw_type_error(env, NULL, need);
    return NULL;
  }
  char name[32] = {0};
  napi_valuetype vt = napi_undefined;
  if (argc >= 2) CHECK(napi_typeof(env, argv[1], &vt));
  if (vt == napi_string) CHECK(napi_get_value_string_utf8(env, argv[1], name, sizeof name, NULL));
  const isa_kernels *isa = isa_pick(vt == napi_string ? name : NULL);
  if (!isa) {
    napi_throw_error(env, NULL, "slimctr native: this CPU does not run the instruction set asked for");
    return NULL;
  }
  double reserved = 0;
  napi_valuetype rt = napi_undefined;
  if (argc >= 3) CHECK(napi_typeof(env, argv[2], &rt));
  if (rt == napi_number) CHECK(napi_get_value_double(env, argv[2], &reserved));
  huge_pages(data, reserved > (double)length ? (size_t)reserved : length);
  binding *b = malloc(sizeof *b);
  if (!b) {
    napi_throw_error(env, NULL, "slimctr native: out of memory");
    return NULL;
  }
  b->base = data;
  b->isa = isa;
  b->refs = 0;
  napi_value out, isa_name;
  CHECK(napi_create_object(env, &out));
  CHECK(napi_create_string_utf8(env, isa->name, NAPI_AUTO_LENGTH, &isa_name));
  CHECK(napi_set_named_property(env, out, "isa", isa_name));
  for (size_t i = 0; i < sizeof kernels / sizeof kernels[0]; i++) {
    napi_value fn;
    CHECK(napi_create_function(env, kernels[i].name, NAPI_AUTO_LENGTH, kernels[i].fn, b, &fn));
    b->refs++;
    CHECK(napi_add_finalizer(env, fn, b, release, NULL, NULL));
    CHECK(napi_set_named_property(env, out, kernels[i].name, fn));
  }
  return out;
}

/* address(view): the address of byte 0 of the memory `view` spans, as a number (exact below 2^53). */
static napi_value js_address(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1] = {NULL};
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  napi_typedarray_type type;
  size_t length, offset;
  void *data = typed_array(env, argv[0], "slimctr native: address() needs a typed array", &type, &length, &offset);
  return data ? number(env, (double)((uintptr_t)data - offset)) : NULL;
}

static napi_value js_isas(napi_env env, napi_callback_info info) {
  const isa_kernels *list[8];
  int n = isa_list(list, 8);
  napi_value out;
  CHECK(napi_create_array_with_length(env, n, &out));
  for (int i = 0; i < n; i++) {
    napi_value s;
    CHECK(napi_create_string_utf8(env, list[i]->name, NAPI_AUTO_LENGTH, &s));
    CHECK(napi_set_element(env, out, i, s));
  }
  return out;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  if (napi_create_function(env, "bind", NAPI_AUTO_LENGTH, js_bind, NULL, &fn) != napi_ok) return NULL;
  napi_set_named_property(env, exports, "bind", fn);
  if (napi_create_function(env, "isas", NAPI_AUTO_LENGTH, js_isas, NULL, &fn) != napi_ok) return NULL;
  napi_set_named_property(env, exports, "isas", fn);
  if (napi_create_function(env, "address", NAPI_AUTO_LENGTH, js_address, NULL, &fn) != napi_ok) return NULL;
  napi_set_named_property(env, exports, "address", fn);
  return exports;
}
