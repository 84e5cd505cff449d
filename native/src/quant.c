/*
 * Gathering rows of a quantized table, with the contract and the arithmetic of assembly/quant.ts:
 * each level becomes float32 as level * scale, rounded, then + offset, rounded (a multiply then an
 * add: never fused, here by explicit mul and add intrinsics and -ffp-contract=off for the scalar
 * tails), so every ISA writes the bits the WebAssembly kernel writes. One version per ISA; the
 * isa_kernels entries (gemm_*.c) point at them.
 */
#include "kernels.h"
#include "isa.h"
#include <string.h>

#define PREFETCH 16

static inline int level_at(const uint8_t *row, int bits, int j) {
  return bits == 8 ? row[j] : j & 1 ? row[j >> 1] >> 4 : row[j >> 1] & 15;
}

/* Elements [j, dim) of one row, one at a time. */
static inline void row_tail(const uint8_t *row, int bits, int j, int dim, float s, float o, float *dst) {
  for (; j < dim; j++) {
    float scaled = (float)level_at(row, bits, j) * s;
    dst[j] = scaled + o;
  }
}

/*
 * The gather loop around one ISA's row body: VECTOR(row, bits, dim, s, o, dst) writes a prefix of
 * the row and yields where it stopped; the scalar tail does the rest.
 */
#define GATHER_Q(name, VECTOR)                                                                                     \
  void name(const uint8_t *table, int rowBytes, int bits, int dim, const float *scales, const float *offsets,     \
    const int32_t *ids, int idStride, int n, float *out, int outStride) {                                         \
    for (int i = 0; i < n; i++) {                                                                                 \
      if (i + PREFETCH < n) {                                                                                     \
        int ahead = ids[(size_t)(i + PREFETCH) * idStride];                                                       \
        __builtin_prefetch(table + (size_t)ahead * rowBytes);                                                     \
        __builtin_prefetch(scales + ahead);                                                                       \
        __builtin_prefetch(offsets + ahead);                                                                      \
      }                                                                                                           \
      int id = ids[(size_t)i * idStride];                                                                         \
      const uint8_t *row = table + (size_t)id * rowBytes;                                                         \
      float s = scales[id], o = offsets[id];                                                                      \
      float *dst = out + (size_t)i * outStride;                                                                   \
      row_tail(row, bits, VECTOR(row, bits, dim, s, o, dst), dim, s, o, dst);                                     \
    }                                                                                                             \
  }

#define NO_VECTOR(row, bits, dim, s, o, dst) 0
GATHER_Q(gather_rows_q_base, NO_VECTOR)

#if defined(__x86_64__)
#include <immintrin.h>

/* Four-bit rows: `bytes` packed bytes as 2 * bytes levels in order (lower nibble first), in the low lanes. */
static inline __m128i unpack_nibbles(__m128i b) {
  __m128i mask = _mm_set1_epi8(15);
  return _mm_unpacklo_epi8(_mm_and_si128(b, mask), _mm_and_si128(_mm_srli_epi16(b, 4), mask));
}

ISA_BEGIN("avx2")
static inline int avx2_row(const uint8_t *row, int bits, int dim, float s, float o, float *dst) {
  __m256 vs = _mm256_set1_ps(s), vo = _mm256_set1_ps(o);
  int j = 0;
  for (; j + 8 <= dim; j += 8) {
    __m128i b;
    if (bits == 8) b = _mm_loadl_epi64((const __m128i *)(row + j));
    else {
      int32_t packed;
      memcpy(&packed, row + (j >> 1), 4);
      b = unpack_nibbles(_mm_cvtsi32_si128(packed));
    }
    __m256 q = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(b));
    _mm256_storeu_ps(dst + j, _mm256_add_ps(_mm256_mul_ps(q, vs), vo));
  }
  return j;
}
GATHER_Q(gather_rows_q_avx2, avx2_row)
ISA_END

ISA_BEGIN("avx512f,avx2")
static inline int avx512_row(const uint8_t *row, int bits, int dim, float s, float o, float *dst) {
  __m512 vs = _mm512_set1_ps(s), vo = _mm512_set1_ps(o);
  int j = 0;
  for (; j + 16 <= dim; j += 16) {
    __m128i b = bits == 8 ? _mm_loadu_si128((const __m128i *)(row + j))
                          : unpack_nibbles(_mm_loadl_epi64((const __m128i *)(row + (j >> 1))));
    __m512 q = _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(b));
    _mm512_storeu_ps(dst + j, _mm512_add_ps(_mm512_mul_ps(q, vs), vo));
  }
  return j + avx2_row(row + (bits == 8 ? j : j >> 1), bits, dim - j, s, o, dst + j);
}
GATHER_Q(gather_rows_q_avx512, avx512_row)
ISA_END
#endif

#if defined(__aarch64__)
#include <arm_neon.h>

static inline int neon_row(const uint8_t *row, int bits, int dim, float s, float o, float *dst) {
  float32x4_t vs = vdupq_n_f32(s), vo = vdupq_n_f32(o);
  int j = 0;
  for (; j + 8 <= dim; j += 8) {
    uint8x8_t b;
    if (bits == 8) b = vld1_u8(row + j);
    else {
      uint32_t packed;
      memcpy(&packed, row + (j >> 1), 4);
      uint8x8_t p = vreinterpret_u8_u32(vdup_n_u32(packed));
      b = vzip1_u8(vand_u8(p, vdup_n_u8(15)), vshr_n_u8(p, 4));
    }
    uint16x8_t h = vmovl_u8(b);
    float32x4_t lo = vcvtq_f32_u32(vmovl_u16(vget_low_u16(h))), hi = vcvtq_f32_u32(vmovl_high_u16(h));
    vst1q_f32(dst + j, vaddq_f32(vmulq_f32(lo, vs), vo));
    vst1q_f32(dst + j + 4, vaddq_f32(vmulq_f32(hi, vs), vo));
  }
  return j;
}
GATHER_Q(gather_rows_q_neon, neon_row)
#endif
