// One DCN cross layer for rows [b0, b1): out = x0 * (x . w) + bias + x over rows of d floats.
import { dot } from './vector';

export function cross_forward(x0: usize, x: usize, w: usize, bias: usize, out: usize, d: i32, b0: i32, b1: i32): void {
  const d4 = <usize>d << 2;
  for (let b = b0; b < b1; b++) {
    const r0 = x0 + <usize>b * d4, r = x + <usize>b * d4, o = out + <usize>b * d4;
    const s = f32x4.splat(dot(r, w, d));
    let j = 0;
    for (; j + 4 <= d; j += 4) {
      const jo = <usize>j << 2;
      v128.store(o + jo, f32x4.add(f32x4.add(f32x4.mul(v128.load(r0 + jo), s), v128.load(bias + jo)), v128.load(r + jo)));
    }
    const ss = f32x4.extract_lane(s, 0);
    for (; j < d; j++) {
      const jo = <usize>j << 2;
      store<f32>(o + jo, load<f32>(r0 + jo) * ss + load<f32>(bias + jo) + load<f32>(r + jo));
    }
  }
}

/**
 * Backward for rows [b0, b1) given g = dL/dout: writes gs[b] = g_b . x0_b (the caller forms dL/dw
 * and dL/dbias with a GEMM and a column sum) and accumulates dL/dx0 += g s, dL/dx += g + gs w
 * (a zero pointer skips that one; gx0 may equal gx when x0 is x).
 */
export function cross_backward(x0: usize, x: usize, w: usize, g: usize, gx0: usize, gx: usize, gs: usize, d: i32, b0: i32, b1: i32): void {
  const d4 = <usize>d << 2;
  for (let b = b0; b < b1; b++) {
    const r0 = x0 + <usize>b * d4, gr = g + <usize>b * d4;
    const gsb = dot(gr, r0, d);
    store<f32>(gs + (<usize>b << 2), gsb);
    if (gx0) {
      const s = f32x4.splat(dot(x + <usize>b * d4, w, d)), ss = f32x4.extract_lane(s, 0);
      const o = gx0 + <usize>b * d4;
      let j = 0;
      for (; j + 4 <= d; j += 4) {
        const jo = <usize>j << 2;
        v128.store(o + jo, f32x4.add(v128.load(o + jo), f32x4.mul(v128.load(gr + jo), s)));
      }
      for (; j < d; j++) store<f32>(o + (<usize>j << 2), load<f32>(o + (<usize>j << 2)) + load<f32>(gr + (<usize>j << 2)) * ss);
    }
    if (gx) {
      const o = gx + <usize>b * d4, t = f32x4.splat(gsb);
      let j = 0;
      for (; j + 4 <= d; j += 4) {
        const jo = <usize>j << 2;
        v128.store(o + jo, f32x4.add(v128.load(o + jo), f32x4.add(v128.load(gr + jo), f32x4.mul(t, v128.load(w + jo)))));
      }
      for (; j < d; j++) store<f32>(o + (<usize>j << 2), load<f32>(o + (<usize>j << 2)) + load<f32>(gr + (<usize>j << 2)) + gsb * load<f32>(w + (<usize>j << 2)));
    }
  }
}
