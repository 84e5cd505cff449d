// Embedding rows. A table shard stores `rows` rows of `stride` floats: the `dim` weights first,
// then the optimizer slots (Adagrad: 1 x dim, Adam: 2 x dim), so one row's state is contiguous.
// Ids are global; a shard holds ids [lo, hi) and ignores the others, so a table may span shards.
import { adagrad_span, adam_span, sgd_span } from './optim';

// Rows are scattered over tables of up to gigabytes, so most are cache misses. Wasm has no
// prefetch instruction; a first pass that only loads one word per cache line of each row lets the
// CPU overlap dozens of misses (tiny loop body, so many iterations fit the reorder window) before
// the real work runs out of cache.
let sink: i32 = 0;

function touch(table: usize, strideBytes: usize, lo: i32, hi: i32, ids: usize, idStride: i32, n: i32): void {
  let acc: i32 = 0;
  for (let i = 0; i < n; i++) {
    const id = load<i32>(ids + (<usize>(i * idStride) << 2));
    if (id < lo || id >= hi) continue;
    const row = table + <usize>(id - lo) * strideBytes;
    for (let b: usize = 0; b < strideBytes; b += 64) acc ^= load<i32>(row + b);
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
  touch(table, <usize>dim << 2, lo, hi, ids, idStride, n);
  let hits = 0;
  for (let i = 0; i < n; i++) {
    const id = load<i32>(ids + (<usize>(i * idStride) << 2));
    if (id < lo || id >= hi) continue;
    copy(out + (<usize>(i * outStride) << 2), table + (<usize>((id - lo) * stride) << 2), dim);
    hits++;
  }
  return hits;
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
  touch(table, <usize>stride << 2, lo, hi, ids, 1, n);
  for (let i = 0; i < n; i++) {
    const id = load<i32>(ids + (<usize>i << 2));
    if (id < lo || id >= hi) continue;
    const w = table + (<usize>((id - lo) * stride) << 2);
    const g = grads + (<usize>(i * dim) << 2);
    if (kind == 0) sgd_span(w, g, dim, lr, wd);
    else if (kind == 1) adagrad_span(w, g, w + slot, dim, lr, eps, wd);
    else adam_span(w, g, w + slot, w + 2 * slot, dim, lr, b1, b2, eps, wd);
  }
}
