// Per-field projection of compressed embeddings back to full width:
// out[b, f, :] = mu[f, :] + sum_c small[b, f, c] * P[f, c, :]   (small [B, F, k], P [F, k, D], mu [F, D]).
// SIMD runs along D; k is small (the AFM rank), so the sum over c is a short scalar-splat loop.

export function field_project(small: usize, P: usize, mu: usize, out: usize, B: i32, F: i32, k: i32, D: i32): void {
  for (let b = 0; b < B; b++) {
    for (let f = 0; f < F; f++) {
      const s = small + (<usize>((b * F + f) * k) << 2);
      const p = P + (<usize>(f * k * D) << 2);
      const m = mu + (<usize>(f * D) << 2);
      const o = out + (<usize>((b * F + f) * D) << 2);
      let j = 0;
      for (; j + 4 <= D; j += 4) {
        const jo = <usize>j << 2;
        let acc = v128.load(m + jo);
        for (let c = 0; c < k; c++) acc = f32x4.add(acc, f32x4.mul(v128.load32_splat(s + (<usize>c << 2)), v128.load(p + (<usize>(c * D) << 2) + jo)));
        v128.store(o + jo, acc);
      }
      for (; j < D; j++) {
        let acc = load<f32>(m + (<usize>j << 2));
        for (let c = 0; c < k; c++) acc += load<f32>(s + (<usize>c << 2)) * load<f32>(p + (<usize>(c * D + j) << 2));
        store<f32>(o + (<usize>j << 2), acc);
      }
    }
  }
}

/** Gradients of field_project given g = dL/dout; a zero pointer skips that gradient. All accumulate. */
export function field_project_backward(small: usize, P: usize, g: usize, gSmall: usize, gP: usize, gMu: usize, B: i32, F: i32, k: i32, D: i32): void {
  for (let b = 0; b < B; b++) {
    for (let f = 0; f < F; f++) {
      const s = small + (<usize>((b * F + f) * k) << 2);
      const gr = g + (<usize>((b * F + f) * D) << 2);
      const p = P + (<usize>(f * k * D) << 2);
      if (gMu) {
        const m = gMu + (<usize>(f * D) << 2);
        for (let j = 0; j < D; j++) store<f32>(m + (<usize>j << 2), load<f32>(m + (<usize>j << 2)) + load<f32>(gr + (<usize>j << 2)));
      }
      for (let c = 0; c < k; c++) {
        const row = p + (<usize>(c * D) << 2);
        if (gSmall) {
          let dot: f32 = 0;
          for (let j = 0; j < D; j++) dot += load<f32>(gr + (<usize>j << 2)) * load<f32>(row + (<usize>j << 2));
          const gs = gSmall + (<usize>((b * F + f) * k + c) << 2);
          store<f32>(gs, load<f32>(gs) + dot);
        }
        if (gP) {
          const sc = load<f32>(s + (<usize>c << 2));
          const gp = gP + (<usize>((f * k + c) * D) << 2);
          for (let j = 0; j < D; j++) store<f32>(gp + (<usize>j << 2), load<f32>(gp + (<usize>j << 2)) + sc * load<f32>(gr + (<usize>j << 2)));
        }
      }
    }
  }
}
