/*
 * Sparse embedding lookups with the contracts of assembly/sparse.ts (same outputs bit for bit):
 * a batch's distinct ids, ascending, with each id's position (lookup_unique, which also fetches
 * each distinct row once, in id order), and the sum of gradient rows per distinct id
 * (accumulate_unique). Scratch layout as there: an open-addressing hash of 8 << bits bytes, a radix
 * histogram of 4 << RADIX_BITS bytes, then the fetched rows.
 */
#include <string.h>
#include "kernels.h"

#define RADIX_BITS 11

static int hash_bits(int n) {
  int b = 4;
  while ((1 << b) < 2 * n) b++;
  return b;
}

size_t lookup_scratch_bytes(int n, int dim) {
  return ((size_t)8 << hash_bits(n)) + ((size_t)4 << RADIX_BITS) + (size_t)n * dim * 4;
}

/* uniq[0..u) in first-seen order, inverse[i] its position; *bottom / *top: min(0, ids) / max(0, ids). */
static int dedup(const int32_t *ids, int idStride, int n, int32_t *hash, int bits, int32_t *uniq, int32_t *inverse,
  int32_t *bottom, int32_t *top) {
  uint32_t mask = (1u << bits) - 1, shift = 32 - bits;
  memset(hash, 0, (size_t)8 << bits);
  int u = 0;
  int32_t lo = 0, hi = 0;
  for (int i = 0; i < n; i++) {
    int32_t id = ids[(size_t)i * idStride];
    uint32_t h = ((uint32_t)id * 0x9e3779b1u) >> shift;
    for (;;) {
      int32_t *slot = hash + 2 * (size_t)h;
      if (slot[1] == 0) {
        slot[0] = id;
        slot[1] = u + 1;
        uniq[u] = id;
        inverse[i] = u++;
        if (id > hi) hi = id;
        if (id < lo) lo = id;
        break;
      }
      if (slot[0] == id) {
        inverse[i] = slot[1] - 1;
        break;
      }
      h = (h + 1) & mask;
    }
  }
  *bottom = lo;
  *top = hi;
  return u;
}

/* uniq[0..u) sorted ascending (LSD radix on (id, old position) pairs), inverse renumbered to match. */
static void sort_unique(int32_t *uniq, int u, int32_t *inverse, int n, int32_t top, int32_t *pairs, int32_t *hist) {
  int32_t *a = pairs, *b = pairs + 2 * (size_t)u;
  for (int k = 0; k < u; k++) {
    a[2 * k] = uniq[k];
    a[2 * k + 1] = k;
  }
  int bits = top == 0 ? 0 : 32 - __builtin_clz((uint32_t)top);
  int passes = (bits + RADIX_BITS - 1) / RADIX_BITS;
  int width = passes > 0 ? (bits + passes - 1) / passes : 0;
  uint32_t buckets = 1u << width, mask = buckets - 1;
  for (int pass = 0; pass < passes; pass++) {
    int shift = pass * width;
    memset(hist, 0, buckets * 4);
    for (int k = 0; k < u; k++) hist[((uint32_t)a[2 * k] >> shift) & mask]++;
    int32_t sum = 0;
    for (uint32_t d = 0; d < buckets; d++) {
      int32_t c = hist[d];
      hist[d] = sum;
      sum += c;
    }
    for (int k = 0; k < u; k++) {
      int32_t at = hist[((uint32_t)a[2 * k] >> shift) & mask]++;
      b[2 * at] = a[2 * k];
      b[2 * at + 1] = a[2 * k + 1];
    }
    int32_t *t = a;
    a = b;
    b = t;
  }
  for (int j = 0; j < u; j++) {
    uniq[j] = a[2 * j];
    b[a[2 * j + 1]] = j; /* old position -> sorted one */
  }
  for (int i = 0; i < n; i++) inverse[i] = b[inverse[i]];
}

int lookup_unique(const float *table, int stride, int dim, int lo, int hi, const int32_t *ids, int idStride, int n,
  float *out, int outStride, void *scratch, int32_t *uniq, int32_t *inverse, int32_t *count) {
  int bits = hash_bits(n);
  int32_t *hash = scratch, *hist = (int32_t *)((char *)scratch + ((size_t)8 << bits));
  float *rows = (float *)((char *)hist + ((size_t)4 << RADIX_BITS));
  int u = dedup(ids, idStride, n, hash, bits, uniq, inverse, &count[1], &count[2]);
  sort_unique(uniq, u, inverse, n, count[2], hash, hist);
  count[0] = u;
  if (lo >= hi) return u;
  gather_rows(table, stride, dim, lo, hi, uniq, 1, u, rows, dim);
  for (int i = 0; i < n; i++) {
    int j = inverse[i];
    if ((uint32_t)(uniq[j] - lo) >= (uint32_t)(hi - lo)) continue;
    memcpy(out + (size_t)i * outStride, rows + (size_t)j * dim, (size_t)dim * sizeof(float));
  }
  return u;
}

void accumulate_unique(const float *g, int gStride, const int32_t *inverse, int n, int dim, float *grads, int u) {
  memset(grads, 0, (size_t)u * dim * sizeof(float));
  for (int i = 0; i < n; i++) {
    float *d = grads + (size_t)inverse[i] * dim;
    const float *s = g + (size_t)i * gStride;
    for (int j = 0; j < dim; j++) d[j] += s[j];
  }
}
