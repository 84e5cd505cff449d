// The factorization machine's pairwise term in one pass per example: for emb [B, F, D] (an
// example's F x D block contiguous), out[b] = 0.5 * sum_d ((sum_f e_fd)^2 - sum_f e_fd^2), and its
// gradient dL/de_fd = g_b * (sum_f' e_f'd - e_fd). Columns go four at a time; examples [b0, b1).

/** out[b] for examples [b0, b1). */
export function fm_forward(emb: usize, F: i32, D: i32, out: usize, b0: i32, b1: i32): void {
  const row = <usize>(F * D) << 2,
    step = <usize>D << 2;
  for (let b = b0; b < b1; b++) {
    const e = emb + <usize>b * row;
    let acc = f32x4.splat(0);
    let tail: f32 = 0;
    let d = 0;
    for (; d + 4 <= D; d += 4) {
      let s = f32x4.splat(0),
        q = f32x4.splat(0);
      for (let f = 0, p = e + (<usize>d << 2); f < F; f++, p += step) {
        const v = v128.load(p);
        s = f32x4.add(s, v);
        q = f32x4.add(q, f32x4.mul(v, v));
      }
      acc = f32x4.add(acc, f32x4.sub(f32x4.mul(s, s), q));
    }
    for (; d < D; d++) {
      let s: f32 = 0,
        q: f32 = 0;
      for (let f = 0, p = e + (<usize>d << 2); f < F; f++, p += step) {
        const v = load<f32>(p);
        s += v;
        q += v * v;
      }
      tail += s * s - q;
    }
    const sum =
      f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3);
    store<f32>(out + (<usize>b << 2), 0.5 * (sum + tail));
  }
}

/** gEmb[b] += g[b] * (column sums - e) for examples [b0, b1). */
export function fm_backward(emb: usize, g: usize, F: i32, D: i32, gEmb: usize, b0: i32, b1: i32): void {
  const row = <usize>(F * D) << 2,
    step = <usize>D << 2;
  for (let b = b0; b < b1; b++) {
    const e = emb + <usize>b * row,
      ge = gEmb + <usize>b * row;
    const gb = load<f32>(g + (<usize>b << 2)),
      g4 = f32x4.splat(gb);
    let d = 0;
    for (; d + 4 <= D; d += 4) {
      const at = <usize>d << 2;
      let s = f32x4.splat(0);
      for (let f = 0, p = e + at; f < F; f++, p += step) s = f32x4.add(s, v128.load(p));
      for (let f = 0, p = e + at, q = ge + at; f < F; f++, p += step, q += step)
        v128.store(q, f32x4.add(v128.load(q), f32x4.mul(g4, f32x4.sub(s, v128.load(p)))));
    }
    for (; d < D; d++) {
      const at = <usize>d << 2;
      let s: f32 = 0;
      for (let f = 0, p = e + at; f < F; f++, p += step) s += load<f32>(p);
      for (let f = 0, p = e + at, q = ge + at; f < F; f++, p += step, q += step)
        store<f32>(q, load<f32>(q) + gb * (s - load<f32>(p)));
    }
  }
}
