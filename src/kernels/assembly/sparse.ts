// Sparse embedding lookups done in one pass per table: find the batch's distinct ids, fetch each
// distinct row once, copy rows out, and later sum gradient rows per distinct id. Keeping this in
// the kernel heap (instead of JavaScript) lets a table's whole lookup run on one worker thread.

import { gather_rows } from './rows';

/**
 * Distinct ids of a batch and, for the rows of [lo, hi) held at `table`, the lookup itself.
 *
 * ids are read at ids + i * idStride (i < n). uniq[0..u) gets each id once in first-seen order and
 * inverse[i] the position of ids[i] in uniq; u is stored at `count` and returned. `scratch` holds
 * 2 << capLog2 ints (an open-addressing table, cleared here) with (1 << capLog2) >= 2n.
 * out[i * outStride : + dim] = weights of ids[i] for ids in [lo, hi) (lo = hi skips the copy).
 * The hashing pass does not touch the table (its loop is too long to keep many cache misses in
 * flight); gather_rows then fetches rows in chunks (see rows.ts).
 */
export function lookup_unique(
  table: usize, stride: i32, dim: i32, lo: i32, hi: i32, ids: usize, idStride: i32, n: i32, out: usize, outStride: i32,
  scratch: usize, capLog2: i32, uniq: usize, inverse: usize, count: usize,
): i32 {
  const mask = (1 << capLog2) - 1;
  const shift = 32 - capLog2;
  memory.fill(scratch, 0, <usize>8 << capLog2);
  let u = 0;
  for (let i = 0; i < n; i++) {
    const id = load<i32>(ids + (<usize>(i * idStride) << 2));
    let h = <i32>((<u32>id * <u32>0x9e3779b1) >> shift);
    for (;;) {
      const slot = scratch + (<usize>h << 3);
      const s = load<i32>(slot, 4);
      if (s == 0) {
        store<i32>(slot, id);
        store<i32>(slot, u + 1, 4);
        store<i32>(uniq + (<usize>u << 2), id);
        store<i32>(inverse + (<usize>i << 2), u);
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
  store<i32>(count, u);
  if (lo < hi) gather_rows(table, stride, dim, lo, hi, ids, idStride, n, out, outStride);
  return u;
}

/**
 * grads[k] = sum of g[i * gStride : + dim] over i with inverse[i] = k, summed in order of i
 * (0 + first + second ...), for an `inverse` from lookup_unique (new positions appear in order,
 * so grads needs no clearing beforehand).
 */
export function accumulate_unique(g: usize, gStride: i32, inverse: usize, n: i32, dim: i32, grads: usize): void {
  const zero = f32x4.splat(0);
  let next = 0;
  for (let i = 0; i < n; i++) {
    const k = load<i32>(inverse + (<usize>i << 2));
    const d = grads + (<usize>(k * dim) << 2);
    const s = g + (<usize>(i * gStride) << 2);
    const fresh = k == next;
    if (fresh) next++;
    let j = 0;
    for (; j + 4 <= dim; j += 4) {
      const o = <usize>j << 2;
      v128.store(d + o, f32x4.add(fresh ? zero : v128.load(d + o), v128.load(s + o)));
    }
    for (; j < dim; j++) {
      const o = <usize>j << 2;
      store<f32>(d + o, (fresh ? <f32>0 : load<f32>(d + o)) + load<f32>(s + o));
    }
  }
}
