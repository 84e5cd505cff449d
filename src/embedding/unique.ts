/**
 * Deduplicates ids in JavaScript: `uniq` lists each id once (first-seen order) and `inverse[i]` is
 * the position of ids[i] in `uniq`. Open addressing over typed arrays. A training batch's lookup
 * does this in the kernels instead (assembly/sparse.ts); this serves merging several sparse
 * gradients of one table (optim/optimizer.ts).
 */
export interface Unique {
  uniq: Int32Array;
  inverse: Int32Array;
  counts: Int32Array;
}

let keys = new Int32Array(0);
let slots = new Int32Array(0);

/** ids are read at positions offset, offset + stride, ... (n of them). */
export function uniqueIds(ids: Int32Array, n: number, offset = 0, stride = 1): Unique {
  let cap = 16;
  while (cap < n * 2) cap <<= 1;
  if (keys.length < cap) {
    keys = new Int32Array(cap);
    slots = new Int32Array(cap);
  }
  slots.fill(-1, 0, cap);
  const mask = cap - 1;
  const uniq = new Int32Array(n);
  const inverse = new Int32Array(n);
  const counts = new Int32Array(n);
  let u = 0;
  for (let i = 0; i < n; i++) {
    const id = ids[offset + i * stride];
    let h = Math.imul(id, 0x9e3779b1) >>> 0;
    for (;;) {
      h &= mask;
      const s = slots[h];
      if (s < 0) {
        slots[h] = u;
        keys[h] = id;
        uniq[u] = id;
        inverse[i] = u;
        counts[u] = 1;
        u++;
        break;
      }
      if (keys[h] === id) {
        inverse[i] = s;
        counts[s]++;
        break;
      }
      h++;
    }
  }
  return { uniq: uniq.subarray(0, u), inverse, counts: counts.subarray(0, u) };
}
