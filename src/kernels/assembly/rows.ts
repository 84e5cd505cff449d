// Embedding rows. A table shard stores `rows` rows of `stride` floats: the `dim` weights first,
// then the optimizer slots (Adagrad: 1 x dim, Adam: 2 x dim), so one row's state is contiguous.
// Ids are global; a shard holds ids [lo, hi) and ignores the others, so a table may span shards.
import { adagrad_span, adam_span, sgd_span } from './optim';

// Rows are scattered over tables of up to gigabytes, so most are cache misses. Wasm has no
// prefetch instruction; a first pass that only loads one word per cache line of each row lets the
// CPU overlap dozens of misses (tiny loop body, so many iterations fit the reorder window) before
// the real work runs out of cache. Both passes go over CHUNK ids at a time: the rows of a chunk
// lie on as many 4 KiB pages, few enough that their address translations are still cached
// (TLB) when the second pass comes, instead of each row paying for a page walk twice.
const CHUNK = 256;
let sink: i32 = 0;

/**
 * Loads one word of each of the first `lines` cache lines of the rows of ids i0..i1 (ids outside
 * [lo, hi) load row 0 instead: no branch, so the loop body stays a handful of instructions).
 */
// @ts-ignore: decorator
@inline function touch(
  table: usize, strideBytes: usize, lines: i32, lo: i32, hi: i32, ids: usize, idStride: i32, i0: i32, i1: i32,
): void {
  const span = <u32>(hi - lo);
  const step = <usize>idStride << 2;
  let p = ids + <usize>i0 * step;
  let acc: i32 = 0;
  if (lines == 1) {
    for (let i = i0; i < i1; i++, p += step) {
      const r = <u32>(load<i32>(p) - lo);
      acc ^= load<i32>(table + <usize>select<u32>(r, 0, r < span) * strideBytes);
    }
  } else {
    for (let i = i0; i < i1; i++, p += step) {
      const r = <u32>(load<i32>(p) - lo);
      const row = table + <usize>select<u32>(r, 0, r < span) * strideBytes;
      for (let b = 0; b < lines; b++) acc ^= load<i32>(row + (<usize>b << 6));
    }
  }
  sink ^= acc;
}

// @ts-ignore: decorator
@inline function copy(dst: usize, src: usize, dim: i32): void {
  let j = 0;
  for (; j + 4 <= dim; j += 4) v128.store(dst + (<usize>j << 2), v128.load(src + (<usize>j << 2)));
  for (; j < dim; j++) store<f32>(dst + (<usize>j << 2), load<f32>(src + (<usize>j << 2)));
}

/** out[i * outStride : + dim] = row ids[i * idStride] for the ids this shard holds; returns how many it wrote. */
export function gather_rows(
  table: usize, stride: i32, dim: i32, lo: i32, hi: i32, ids: usize, idStride: i32, n: i32, out: usize, outStride: i32,
): i32 {
  const strideBytes = <usize>stride << 2;
  let hits = 0;
  for (let i0 = 0; i0 < n; i0 += CHUNK) {
    const i1 = min(n, i0 + CHUNK);
    touch(table, strideBytes, (dim + 15) >> 4, lo, hi, ids, idStride, i0, i1);
    for (let i = i0; i < i1; i++) {
      const id = load<i32>(ids + (<usize>(i * idStride) << 2));
      if (id < lo || id >= hi) continue;
      copy(out + (<usize>(i * outStride) << 2), table + <usize>(id - lo) * strideBytes, dim);
      hits++;
    }
  }
  return hits;
}

/**
 * A few rows' lookups in F tables at once (inference on small batches, where a call per table costs
 * more than its copies): ids [n, F] (ids + 4 * (i * F + f)), out [n, F, dim]. Field f's table is
 * described at fields + 16 * f by four i32: its row 0's offset, stride (floats), and the ids [lo, hi)
 * it holds; rows outside that range are left as they are.
 */
export function gather_fields(fields: usize, F: i32, dim: i32, ids: usize, n: i32, out: usize): void {
  for (let i = 0; i < n; i++) {
    for (let f = 0; f < F; f++) {
      const d = fields + (<usize>f << 4);
      const id = load<i32>(ids + (<usize>(i * F + f) << 2));
      const lo = load<i32>(d, 8);
      if (id < lo || id >= load<i32>(d, 12)) continue;
      const row = <usize>load<i32>(d) + (<usize>(id - lo) * <usize>load<i32>(d, 4) << 2);
      copy(out + (<usize>((i * F + f) * dim) << 2), row, dim);
    }
  }
}

/**
 * Applies one optimizer step to each row in `ids` (unique ids, n of them) held by this shard,
 * with gradient rows `grads` (n x dim). kind: 0 SGD, 1 Adagrad, 2 Adam (hyper-parameters as in optim.ts).
 */
export function update_rows(
  kind: i32, table: usize, stride: i32, dim: i32, lo: i32, hi: i32, ids: usize, n: i32, grads: usize,
  lr: f32, b1: f32, b2: f32, eps: f32, wd: f32,
): void {
  const slot = <usize>dim << 2;
  const strideBytes = <usize>stride << 2;
  for (let i0 = 0; i0 < n; i0 += CHUNK) {
    const i1 = min(n, i0 + CHUNK);
    touch(table, strideBytes, (stride + 15) >> 4, lo, hi, ids, 1, i0, i1);
    for (let i = i0; i < i1; i++) {
      const id = load<i32>(ids + (<usize>i << 2));
      if (id < lo || id >= hi) continue;
      const w = table + <usize>(id - lo) * strideBytes;
      const g = grads + (<usize>(i * dim) << 2);
      if (kind == 0) sgd_span(w, g, dim, lr, wd);
      else if (kind == 1) adagrad_span(w, g, w + slot, dim, lr, eps, wd);
      else adam_span(w, g, w + slot, w + 2 * slot, dim, lr, b1, b2, eps, wd);
    }
  }
}
