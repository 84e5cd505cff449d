// Sparse embedding lookups, one call per table: find the batch's distinct ids, sort them, fetch
// each distinct row once in id order and copy rows out; later sum gradient rows per distinct id.
// Keeping this in the kernel heap (not JavaScript) lets a table's whole lookup run on one thread.
//
// Why sort: rows of a big table sit on different 4 KiB pages, so each fetch of a tail row costs an
// address translation (a page walk, dear under virtualisation) besides the cache miss. In id
// order, consecutive walks read neighbouring page-table entries, which are then already cached;
// the optimizer step later visits the rows in the same order.
import { gather_rows } from './rows';

const RADIX_BITS = 11;
const CHUNK = 256;
let sink: i32 = 0;

// @ts-ignore: decorator
@inline function hashBits(n: i32): i32 {
  let b = 4;
  while (1 << b < 2 * n) b++;
  return b;
}

/** Bytes of scratch lookup_unique needs for a batch of n ids of a dim-wide table. */
export function lookup_scratch_bytes(n: i32, dim: i32): i32 {
  return (8 << hashBits(n)) + (4 << RADIX_BITS) + n * dim * 4;
}

/**
 * Loads one word of batch rows i0..i1 of a [n, F, dim] tensor (rows `strideBytes` apart): a
 * field's rows are far apart, so a tiny loop first gets many misses in flight (see rows.ts).
 */
// @ts-ignore: decorator
@inline function touchRows(base: usize, strideBytes: usize, i0: i32, i1: i32): void {
  let acc: i32 = 0;
  for (let i = i0, p = base + <usize>i0 * strideBytes; i < i1; i++, p += strideBytes) acc ^= load<i32>(p);
  sink ^= acc;
}

/**
 * Ids (n of them, read at ids + i * idStride) deduplicated with open addressing in `hash`
 * (8 << bits bytes, cleared here): uniq[0..u) in first-seen order, inverse[i] = position of
 * ids[i] in uniq. Returns u; the smallest and largest id go to the words at `range`, `range` + 4.
 */
function dedup(ids: usize, idStride: i32, n: i32, hash: usize, bits: i32, uniq: usize, inverse: usize, range: usize): i32 {
  const mask = (1 << bits) - 1;
  const shift = 32 - bits;
  memory.fill(hash, 0, <usize>8 << bits);
  let u = 0;
  let top = 0;
  let bottom = 0;
  const step = <usize>idStride << 2;
  let p = ids;
  for (let i = 0; i < n; i++, p += step) {
    const id = load<i32>(p);
    let h = <i32>((<u32>id * <u32>0x9e3779b1) >> shift);
    for (;;) {
      const slot = hash + (<usize>h << 3);
      const s = load<i32>(slot, 4);
      if (s == 0) {
        store<i32>(slot, id);
        store<i32>(slot, u + 1, 4);
        store<i32>(uniq + (<usize>u << 2), id);
        store<i32>(inverse + (<usize>i << 2), u);
        top = max(top, id);
        bottom = min(bottom, id);
        u++;
        break;
      }
      if (load<i32>(slot) == id) {
        store<i32>(inverse + (<usize>i << 2), s - 1);
        break;
      }
      h = (h + 1) & mask;
    }
  }
  store<i32>(range, bottom);
  store<i32>(range, top, 4);
  return u;
}

/**
 * Sorts uniq[0..u) (distinct ids >= 0, none above `top`) ascending and renumbers inverse (n
 * entries) to match. LSD radix sort of (id, old position) pairs; `pairs` holds 4u ints, `hist`
 * 1 << RADIX_BITS ints.
 */
function sortUnique(uniq: usize, u: i32, inverse: usize, n: i32, top: i32, pairs: usize, hist: usize): void {
  let a = pairs, b = pairs + (<usize>u << 3);
  for (let k = 0; k < u; k++) {
    store<i32>(a + (<usize>k << 3), load<i32>(uniq + (<usize>k << 2)));
    store<i32>(a + (<usize>k << 3), k, 4);
  }
  const bits = 32 - clz(top);
  const passes = (bits + RADIX_BITS - 1) / RADIX_BITS;
  const width = passes > 0 ? (bits + passes - 1) / passes : 0;
  const buckets = 1 << width;
  for (let pass = 0; pass < passes; pass++) {
    const shift = pass * width;
    const mask = buckets - 1;
    memory.fill(hist, 0, <usize>buckets << 2);
    for (let k = 0; k < u; k++) {
      const hp = hist + (<usize>((load<i32>(a + (<usize>k << 3)) >>> shift) & mask) << 2);
      store<i32>(hp, load<i32>(hp) + 1);
    }
    let sum = 0;
    for (let d = 0; d < buckets; d++) {
      const c = load<i32>(hist + (<usize>d << 2));
      store<i32>(hist + (<usize>d << 2), sum);
      sum += c;
    }
    for (let k = 0; k < u; k++) {
      const src = a + (<usize>k << 3);
      const hp = hist + (<usize>((load<i32>(src) >>> shift) & mask) << 2);
      const at = load<i32>(hp);
      store<i32>(hp, at + 1);
      store<i64>(b + (<usize>at << 3), load<i64>(src));
    }
    const t = a;
    a = b;
    b = t;
  }
  // a: sorted pairs; b (free now) maps an old position to its sorted one.
  for (let j = 0; j < u; j++) {
    const src = a + (<usize>j << 3);
    store<i32>(uniq + (<usize>j << 2), load<i32>(src));
    store<i32>(b + (<usize>load<i32>(src, 4) << 2), j);
  }
  for (let i = 0; i < n; i++) {
    const ip = inverse + (<usize>i << 2);
    store<i32>(ip, load<i32>(b + (<usize>load<i32>(ip) << 2)));
  }
}

/**
 * Distinct ids of a batch and, for the rows of [lo, hi) held at `table`, the lookup itself.
 *
 * ids are read at ids + i * idStride (i < n). uniq[0..u) gets each id once, ascending, and
 * inverse[i] the position of ids[i] in uniq; u is stored at `count` and returned, the smallest
 * and largest id (or 0) in the next two words: the caller checks them, as ids must be >= 0 for
 * the order of uniq to be right (bad ids do no harm here: rows outside [lo, hi) are skipped).
 * `scratch` has lookup_scratch_bytes(n, dim) bytes.
 * out[i * outStride : + dim] = weights of ids[i] for ids in [lo, hi) (lo = hi skips the copy):
 * each distinct row is fetched once, in id order, into scratch, then copied to its positions
 * while still in cache.
 */
export function lookup_unique(
  table: usize, stride: i32, dim: i32, lo: i32, hi: i32, ids: usize, idStride: i32, n: i32, out: usize, outStride: i32,
  scratch: usize, uniq: usize, inverse: usize, count: usize,
): i32 {
  const bits = hashBits(n);
  const hist = scratch + (<usize>8 << bits);
  const rows = hist + (<usize>4 << RADIX_BITS);
  const u = dedup(ids, idStride, n, scratch, bits, uniq, inverse, count + 4);
  sortUnique(uniq, u, inverse, n, load<i32>(count, 8), scratch, hist);
  store<i32>(count, u);
  if (lo >= hi) return u;
  gather_rows(table, stride, dim, lo, hi, uniq, 1, u, rows, dim);
  const span = <u32>(hi - lo);
  const rowBytes = <usize>dim << 2, outBytes = <usize>outStride << 2;
  for (let i0 = 0; i0 < n; i0 += CHUNK) {
    const i1 = min(n, i0 + CHUNK);
    touchRows(out, outBytes, i0, i1);
    for (let i = i0; i < i1; i++) {
      const j = load<i32>(inverse + (<usize>i << 2));
      if (<u32>(load<i32>(uniq + (<usize>j << 2)) - lo) >= span) continue;
      const dst = out + <usize>i * outBytes, src = rows + <usize>j * rowBytes;
      let c = 0;
      for (; c + 4 <= dim; c += 4) v128.store(dst + (<usize>c << 2), v128.load(src + (<usize>c << 2)));
      for (; c < dim; c++) store<f32>(dst + (<usize>c << 2), load<f32>(src + (<usize>c << 2)));
    }
  }
  return u;
}

/**
 * grads[k] (k < u) = sum of g[i * gStride : + dim] over i with inverse[i] = k, added in order of
 * i to zero (as a zero-filled buffer with rows added one by one).
 */
export function accumulate_unique(g: usize, gStride: i32, inverse: usize, n: i32, dim: i32, grads: usize, u: i32): void {
  memory.fill(grads, 0, <usize>(u * dim) << 2);
  const gBytes = <usize>gStride << 2;
  for (let i0 = 0; i0 < n; i0 += CHUNK) {
    const i1 = min(n, i0 + CHUNK);
    touchRows(g, gBytes, i0, i1);
    for (let i = i0; i < i1; i++) {
      const d = grads + (<usize>(load<i32>(inverse + (<usize>i << 2)) * dim) << 2);
      const s = g + <usize>i * gBytes;
      let j = 0;
      for (; j + 4 <= dim; j += 4) {
        const o = <usize>j << 2;
        v128.store(d + o, f32x4.add(v128.load(d + o), v128.load(s + o)));
      }
      for (; j < dim; j++) {
        const o = <usize>j << 2;
        store<f32>(d + o, load<f32>(d + o) + load<f32>(s + o));
      }
    }
  }
}
