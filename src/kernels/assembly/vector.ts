// Small SIMD helpers of the interaction kernels: exp and softmax over a row, dot products, FMA.

// exp on four floats at once: 2^n * e^r with n = round(x / ln 2), |r| <= ln 2 / 2, e^r by its
// degree-6 Taylor polynomial (relative error ~1e-7). Inputs below -87 give ~0 (softmax only
// feeds it x - max <= 0).

// @ts-ignore: decorator
@inline
export function vexp(x: v128): v128 {
  const v = f32x4.max(x, f32x4.splat(-87.0));
  const n = f32x4.nearest(f32x4.mul(v, f32x4.splat(1.4426950408889634)));
  let r = f32x4.sub(v, f32x4.mul(n, f32x4.splat(0.693145751953125)));
  r = f32x4.sub(r, f32x4.mul(n, f32x4.splat(1.428606765330187e-6)));
  let p = f32x4.splat(1.0 / 720.0);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.0 / 120.0));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.0 / 24.0));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.0 / 6.0));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(0.5));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.0));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.0));
  return i32x4.add(p, i32x4.shl(i32x4.trunc_sat_f32x4_s(n), 23));
}

/** a * b + c: one fused instruction in the relaxed-SIMD build, mul + add otherwise. */
// @ts-ignore: decorator
@inline
export function fma(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

/** Softmax in place over n floats at `row`: e^(x - max) / sum. */
export function softmax_row(row: usize, n: i32): void {
  let mx = load<f32>(row);
  for (let c = 1; c < n; c++) mx = max(mx, load<f32>(row + (<usize>c << 2)));
  const m = f32x4.splat(mx);
  let acc = f32x4.splat(0);
  let c = 0;
  for (; c + 4 <= n; c += 4) {
    const p = row + (<usize>c << 2);
    const e = vexp(f32x4.sub(v128.load(p), m));
    v128.store(p, e);
    acc = f32x4.add(acc, e);
  }
  let sum = f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3);
  for (; c < n; c++) {
    const p = row + (<usize>c << 2);
    const e = f32x4.extract_lane(vexp(f32x4.splat(load<f32>(p) - mx)), 0);
    store<f32>(p, e);
    sum += e;
  }
  const inv = f32x4.splat(<f32>1 / sum);
  c = 0;
  for (; c + 4 <= n; c += 4) {
    const p = row + (<usize>c << 2);
    v128.store(p, f32x4.mul(v128.load(p), inv));
  }
  for (; c < n; c++) {
    const p = row + (<usize>c << 2);
    store<f32>(p, load<f32>(p) * (<f32>1 / sum));
  }
}

/** Dot product of n floats. */
// @ts-ignore: decorator
@inline
export function dot(a: usize, b: usize, n: i32): f32 {
  let acc = f32x4.splat(0);
  let k = 0;
  for (; k + 4 <= n; k += 4) acc = fma(v128.load(a + (<usize>k << 2)), v128.load(b + (<usize>k << 2)), acc);
  let s = f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3);
  for (; k < n; k++) s += load<f32>(a + (<usize>k << 2)) * load<f32>(b + (<usize>k << 2));
  return s;
}

/** Dot products of row a with rows b, b + stride, b + 2 stride, b + 3 stride (n floats each), as one vector. */
// @ts-ignore: decorator
@inline
export function dot4(a: usize, b: usize, stride: usize, n: i32): v128 {
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
  const b1 = b + stride, b2 = b1 + stride, b3 = b2 + stride;
  let k = 0;
  for (; k + 4 <= n; k += 4) {
    const o = <usize>k << 2;
    const x = v128.load(a + o);
    a0 = fma(x, v128.load(b + o), a0);
    a1 = fma(x, v128.load(b1 + o), a1);
    a2 = fma(x, v128.load(b2 + o), a2);
    a3 = fma(x, v128.load(b3 + o), a3);
  }
  // Transpose-and-add: lane i becomes the sum of a_i.
  const s01 = f32x4.add(v128.shuffle<f32>(a0, a1, 0, 4, 1, 5), v128.shuffle<f32>(a0, a1, 2, 6, 3, 7));
  const s23 = f32x4.add(v128.shuffle<f32>(a2, a3, 0, 4, 1, 5), v128.shuffle<f32>(a2, a3, 2, 6, 3, 7));
  let r = f32x4.add(v128.shuffle<f32>(s01, s23, 0, 1, 4, 5), v128.shuffle<f32>(s01, s23, 2, 3, 6, 7));
  for (; k < n; k++) {
    const o = <usize>k << 2;
    const x = load<f32>(a + o);
    r = f32x4.add(r, f32x4(x * load<f32>(b + o), x * load<f32>(b1 + o), x * load<f32>(b2 + o), x * load<f32>(b3 + o)));
  }
  return r;
}
