// Multi-head self-attention over fields for examples [b0, b1), heads read in place from one
// projected tensor: row (b, f) of `qkv` holds [Q | K | V | residual x W_res], H*dh floats each
// (the residual block only when `res` is 1); head h is columns h*dh..(h+1)*dh of a block. Per head:
//   P = softmax(scale * Q K^T)  (F x F, kept in `probs` [B, H, F, F] for the backward pass when
//                                `keep` is 1; else `probs` is one F x F scratch, reused)
//   out[b, r, h*dh:(h+1)*dh] = sum_c P[r, c] V[c]  (+ the residual columns)
// No copies of heads, no permutes: all strided reads of the small per-example matrices.
import { dot, dot4, fma, softmax_row } from './vector';

/**
 * dst[0..n) = init[0..n) (zeros when init is 0) + sum_{c < m} w[c * ws] * rows[c * rs + (0..n)]:
 * a weighted sum of m rows, accumulated in registers 8 floats at a time (then 4, then 1). Byte strides ws, rs.
 */
function mix(dst: usize, init: usize, w: usize, ws: usize, rows: usize, rs: usize, m: i32, n: i32): void {
  let j = 0;
  for (; j + 8 <= n; j += 8) {
    const jo = <usize>j << 2;
    let acc0 = init ? v128.load(init + jo) : f32x4.splat(0);
    let acc1 = init ? v128.load(init + jo + 16) : f32x4.splat(0);
    let wp = w, rp = rows + jo;
    for (let c = 0; c < m; c++) {
      const p = v128.load32_splat(wp);
      acc0 = fma(p, v128.load(rp), acc0);
      acc1 = fma(p, v128.load(rp + 16), acc1);
      wp += ws;
      rp += rs;
    }
    v128.store(dst + jo, acc0);
    v128.store(dst + jo + 16, acc1);
  }
  for (; j + 4 <= n; j += 4) {
    const jo = <usize>j << 2;
    let acc = init ? v128.load(init + jo) : f32x4.splat(0);
    let wp = w, rp = rows + jo;
    for (let c = 0; c < m; c++) {
      acc = fma(v128.load32_splat(wp), v128.load(rp), acc);
      wp += ws;
      rp += rs;
    }
    v128.store(dst + jo, acc);
  }
  for (; j < n; j++) {
    const jo = <usize>j << 2;
    let acc: f32 = init ? load<f32>(init + jo) : 0;
    for (let c = 0; c < m; c++) acc += load<f32>(w + <usize>c * ws) * load<f32>(rows + <usize>c * rs + jo);
    store<f32>(dst + jo, acc);
  }
}

/** mix for two destinations at once (weights w0, w1 over the same rows): each row load feeds two sums. */
function mix2(dst0: usize, dst1: usize, init0: usize, init1: usize, w0: usize, w1: usize, ws: usize, rows: usize, rs: usize, m: i32, n: i32): void {
  let j = 0;
  for (; j + 8 <= n; j += 8) {
    const jo = <usize>j << 2;
    let a0 = init0 ? v128.load(init0 + jo) : f32x4.splat(0);
    let a1 = init0 ? v128.load(init0 + jo + 16) : f32x4.splat(0);
    let c0 = init1 ? v128.load(init1 + jo) : f32x4.splat(0);
    let c1 = init1 ? v128.load(init1 + jo + 16) : f32x4.splat(0);
    let wp = <usize>0, rp = rows + jo;
    for (let c = 0; c < m; c++) {
      const p = v128.load32_splat(w0 + wp), q = v128.load32_splat(w1 + wp);
      const x0 = v128.load(rp), x1 = v128.load(rp + 16);
      a0 = fma(p, x0, a0);
      a1 = fma(p, x1, a1);
      c0 = fma(q, x0, c0);
      c1 = fma(q, x1, c1);
      wp += ws;
      rp += rs;
    }
    v128.store(dst0 + jo, a0);
    v128.store(dst0 + jo + 16, a1);
    v128.store(dst1 + jo, c0);
    v128.store(dst1 + jo + 16, c1);
  }
  if (j < n) {
    const jo = <usize>j << 2;
    mix(dst0 + jo, init0 ? init0 + jo : 0, w0, ws, rows + jo, rs, m, n - j);
    mix(dst1 + jo, init1 ? init1 + jo : 0, w1, ws, rows + jo, rs, m, n - j);
  }
}

/** Row r of scale * A B^T (rows of A and B `stride` bytes apart, d floats) into dst[0..F). */
// @ts-ignore: decorator
@inline
function scores(dst: usize, a: usize, B: usize, stride: usize, F: i32, d: i32, scale: f32): void {
  const sc = f32x4.splat(scale);
  let c = 0;
  for (; c + 4 <= F; c += 4) v128.store(dst + (<usize>c << 2), f32x4.mul(dot4(a, B + <usize>c * stride, stride, d), sc));
  for (; c < F; c++) store<f32>(dst + (<usize>c << 2), dot(a, B + <usize>c * stride, d) * scale);
}

export function attention_forward(
  qkv: usize, H: i32, dh: i32, F: i32, scale: f32, res: i32, out: usize, probs: usize, keep: i32, b0: i32, b1: i32,
): void {
  const ldo = H * dh;
  const ld4 = <usize>((res ? 4 : 3) * ldo) << 2;
  for (let b = b0; b < b1; b++) {
    const base = qkv + <usize>b * <usize>F * ld4;
    const ob = out + (<usize>(b * F * ldo) << 2);
    for (let h = 0; h < H; h++) {
      const hc = <usize>(h * dh) << 2;
      const Q = base + hc, K = Q + (<usize>ldo << 2), V = K + (<usize>ldo << 2);
      const P = keep ? probs + (<usize>((b * H + h) * F * F) << 2) : probs;
      for (let r = 0; r < F; r++) {
        const pr = P + (<usize>(r * F) << 2);
        scores(pr, Q + <usize>r * ld4, K, ld4, F, dh, scale);
        softmax_row(pr, F);
      }
      const R = res ? base + (<usize>(3 * ldo) << 2) + hc : 0, O = ob + hc, ldo4 = <usize>ldo << 2, F4 = <usize>F << 2;
      let r = 0;
      for (; r + 2 <= F; r += 2) {
        const r1 = <usize>(r + 1);
        mix2(O + <usize>r * ldo4, O + r1 * ldo4, R ? R + <usize>r * ld4 : 0, R ? R + r1 * ld4 : 0, P + <usize>r * F4, P + r1 * F4, 4, V, ld4, F, dh);
      }
      if (r < F) mix(O + <usize>r * ldo4, R ? R + <usize>r * ld4 : 0, P + <usize>r * F4, 4, V, ld4, F, dh);
    }
  }
}

/**
 * Backward of attention_forward for examples [b0, b1): accumulates dL/dqkv into `gqkv` (same
 * layout as qkv) from g = dL/dout ([B, F, H*dh]) and the saved probabilities. `scratch` holds F*F floats.
 * With `zero` set, each example's block of gqkv is cleared first (a new gradient, written once).
 */
export function attention_backward(
  qkv: usize, H: i32, dh: i32, F: i32, scale: f32, res: i32, g: usize, probs: usize, gqkv: usize, zero: i32, scratch: usize, b0: i32, b1: i32,
): void {
  const ldo = H * dh;
  const ld4 = <usize>((res ? 4 : 3) * ldo) << 2, ldo4 = <usize>ldo << 2, F4 = <usize>F << 2;
  for (let b = b0; b < b1; b++) {
    const base = qkv + <usize>b * <usize>F * ld4;
    const gbase = gqkv + <usize>b * <usize>F * ld4;
    const gb = g + (<usize>(b * F * ldo) << 2);
    if (zero) memory.fill(gbase, 0, <usize>F * ld4);
    if (res) {
      for (let r = 0; r < F; r++) {
        const dst = gbase + <usize>r * ld4 + 3 * ldo4;
        const src = gb + <usize>r * ldo4;
        let j = 0;
        for (; j + 4 <= ldo; j += 4) v128.store(dst + (<usize>j << 2), f32x4.add(v128.load(dst + (<usize>j << 2)), v128.load(src + (<usize>j << 2))));
        for (; j < ldo; j++) store<f32>(dst + (<usize>j << 2), load<f32>(dst + (<usize>j << 2)) + load<f32>(src + (<usize>j << 2)));
      }
    }
    for (let h = 0; h < H; h++) {
      const hc = <usize>(h * dh) << 2;
      const Q = base + hc, K = Q + ldo4, V = K + ldo4;
      const gQ = gbase + hc, gK = gQ + ldo4, gV = gK + ldo4;
      const G = gb + hc;
      const P = probs + (<usize>((b * H + h) * F * F) << 2);
      // dS[r, c] = P[r, c] (dP[r, c] - sum_c' P[r, c'] dP[r, c']) * scale, with dP = G V^T.
      for (let r = 0; r < F; r++) {
        const pr = P + <usize>r * F4, sr = scratch + <usize>r * F4;
        scores(sr, G + <usize>r * ldo4, V, ld4, F, dh, 1);
        let s: f32 = 0;
        for (let c = 0; c < F; c++) s += load<f32>(pr + (<usize>c << 2)) * load<f32>(sr + (<usize>c << 2));
        for (let c = 0; c < F; c++) {
          const at = sr + (<usize>c << 2);
          store<f32>(at, load<f32>(pr + (<usize>c << 2)) * (load<f32>(at) - s) * scale);
        }
      }
      // dQ = dS K, dK = dS^T Q, dV = P^T G, two rows at a time.
      let r = 0;
      for (; r + 2 <= F; r += 2) {
        const q0 = gQ + <usize>r * ld4, q1 = q0 + ld4, k0 = gK + <usize>r * ld4, k1 = k0 + ld4, v0 = gV + <usize>r * ld4, v1 = v0 + ld4;
        const co = <usize>r << 2;
        mix2(q0, q1, q0, q1, scratch + <usize>r * F4, scratch + <usize>(r + 1) * F4, 4, K, ld4, F, dh);
        mix2(k0, k1, k0, k1, scratch + co, scratch + co + 4, F4, Q, ld4, F, dh);
        mix2(v0, v1, v0, v1, P + co, P + co + 4, F4, G, ldo4, F, dh);
      }
      if (r < F) {
        const co = <usize>r << 2;
        const q0 = gQ + <usize>r * ld4, k0 = gK + <usize>r * ld4, v0 = gV + <usize>r * ld4;
        mix(q0, q0, scratch + <usize>r * F4, 4, K, ld4, F, dh);
        mix(k0, k0, scratch + co, F4, Q, ld4, F, dh);
        mix(v0, v0, P + co, F4, G, ldo4, F, dh);
      }
    }
  }
}
