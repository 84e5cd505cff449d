/** Shape ops: reshape (a view), transpose/permute, concat, split, slice. */
import { engine } from '../../kernels/engine.js';
import { Tensor, sizeOf, type Shape } from '../../tensor/tensor.js';
import { ShapeError } from '../../util/errors.js';
import { gradOf, record } from '../graph.js';

/** Same data, new shape (no copy); one axis may be -1. */
export function reshape(x: Tensor, shape: Shape): Tensor {
  const known = shape.filter((d) => d !== -1);
  const full = shape.map((d) => (d === -1 ? x.size / sizeOf(known) : d));
  if (sizeOf(full) !== x.size)
    throw new ShapeError(`reshape: [${x.shape}] has ${x.size} values, [${shape}] does not fit`);
  const out = x.viewAs(full);
  return record(out, 'reshape', [x], (g) => engine().k.axpy_rows(gradOf(x).ptr, 0, g.ptr, 0, 1, g.size, 1));
}

function stridesOf(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/** Copies `src` (shape `shape`, read with `srcStrides`) into contiguous `dst` in row-major order. */
function gatherStrided(
  src: Float32Array,
  dst: Float32Array,
  shape: Shape,
  srcStrides: number[],
  add: boolean,
  invert: boolean,
): void {
  const r = shape.length;
  const idx = new Array<number>(r).fill(0);
  let off = 0;
  for (let i = 0; i < dst.length; i++) {
    if (invert) src[off] += dst[i];
    else if (add) dst[i] += src[off];
    else dst[i] = src[off];
    for (let ax = r - 1; ax >= 0; ax--) {
      idx[ax]++;
      off += srcStrides[ax];
      if (idx[ax] < shape[ax]) break;
      off -= srcStrides[ax] * shape[ax];
      idx[ax] = 0;
    }
  }
}

/** Reorders axes: out.shape[i] = x.shape[perm[i]]. */
export function permute(x: Tensor, perm: number[]): Tensor {
  if (perm.length !== x.rank || [...perm].sort().some((p, i) => p !== i)) {
    throw new ShapeError(`permute: [${perm}] is not a permutation of ${x.rank} axes`);
  }
  const shape = perm.map((p) => x.shape[p]);
  const xs = stridesOf(x.shape);
  const srcStrides = perm.map((p) => xs[p]);
  const out = new Tensor(shape);
  gatherStrided(x.data, out.data, shape, srcStrides, false, false);
  return record(
    out,
    'permute',
    [x],
    (g) => {
      // Scatter g back through the same index map.
      gatherStrided(gradOf(x).data, g.data, shape, srcStrides, false, true);
    },
    { perm: [...perm] },
  );
}

/** Swaps the last two axes. */
export function transpose(x: Tensor): Tensor {
  const perm = [...Array(x.rank).keys()];
  [perm[x.rank - 2], perm[x.rank - 1]] = [perm[x.rank - 1], perm[x.rank - 2]];
  return permute(x, perm);
}

function outerInner(shape: Shape, axis: number): [number, number] {
  let outer = 1,
    inner = 1;
  for (let i = 0; i < axis; i++) outer *= shape[i];
  for (let i = axis + 1; i < shape.length; i++) inner *= shape[i];
  return [outer, inner];
}

/** Joins tensors along `axis` (all other axes equal). */
export function concat(xs: Tensor[], axis: number): Tensor {
  const r = xs[0].rank;
  const ax = axis < 0 ? axis + r : axis;
  for (const x of xs) {
    if (x.rank !== r || x.shape.some((d, i) => i !== ax && d !== xs[0].shape[i])) {
      throw new ShapeError(`concat: shapes ${xs.map((t) => `[${t.shape}]`).join(' ')} differ off axis ${ax}`);
    }
  }
  const total = xs.reduce((s, x) => s + x.shape[ax], 0);
  const shape = xs[0].shape.map((d, i) => (i === ax ? total : d));
  const [outer, inner] = outerInner(shape, ax);
  const out = new Tensor(shape);
  const row = total * inner;
  // Each input fills a column block of every output row: one strided copy per input.
  const k = engine().k;
  let at = 0;
  for (const x of xs) {
    const w = x.shape[ax] * inner;
    k.copy_rows(out.ptr + at * 4, row, x.ptr, w, outer, w);
    at += w;
  }
  return record(
    out,
    'concat',
    xs,
    (g) => {
      let at2 = 0;
      for (const x of xs) {
        const w = x.shape[ax] * inner;
        if (x.requiresGrad) engine().k.axpy_rows(gradOf(x).ptr, w, g.ptr + at2 * 4, row, outer, w, 1);
        at2 += w;
      }
    },
    { axis: ax },
  );
}

/** Elements [start, end) along `axis` (a copy). */
export function slice(x: Tensor, axis: number, start: number, end: number): Tensor {
  const ax = axis < 0 ? axis + x.rank : axis;
  const d = x.shape[ax];
  if (!(0 <= start && start <= end && end <= d))
    throw new ShapeError(`slice: [${start}, ${end}) out of range 0..${d} on axis ${ax}`);
  const shape = x.shape.map((s, i) => (i === ax ? end - start : s));
  const [outer, inner] = outerInner(x.shape, ax);
  const w = (end - start) * inner,
    row = d * inner,
    off = start * inner;
  const out = new Tensor(shape);
  const a = x.data,
    z = out.data;
  for (let o = 0; o < outer; o++) z.set(a.subarray(o * row + off, o * row + off + w), o * w);
  return record(
    out,
    'slice',
    [x],
    (g) => {
      if (w > 0) engine().k.axpy_rows(gradOf(x).ptr + off * 4, row, g.ptr, w, outer, w, 1);
    },
    { axis: ax, start, end },
  );
}

/** Splits along `axis` into pieces of the given sizes. */
export function split(x: Tensor, axis: number, sizes: number[]): Tensor[] {
  const ax = axis < 0 ? axis + x.rank : axis;
  if (sizes.reduce((a, b) => a + b, 0) !== x.shape[ax])
    throw new ShapeError(`split: sizes [${sizes}] do not add up to ${x.shape[ax]}`);
  const out: Tensor[] = [];
  let at = 0;
  for (const s of sizes) {
    out.push(slice(x, ax, at, at + s));
    at += s;
  }
  return out;
}
