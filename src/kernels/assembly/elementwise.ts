// Elementwise and row-wise kernels on the hot path of training (bias add, ReLU, bias gradient).

/** x[r, :] += v for each of `rows` rows of `cols` floats. */
export function add_row_vector(x: usize, v: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    const row = x + (<usize>(r * cols) << 2);
    let j = 0;
    for (; j + 4 <= cols; j += 4) {
      const o = <usize>j << 2;
      v128.store(row + o, f32x4.add(v128.load(row + o), v128.load(v + o)));
    }
    for (; j < cols; j++) {
      const o = <usize>j << 2;
      store<f32>(row + o, load<f32>(row + o) + load<f32>(v + o));
    }
  }
}

/** out[j] += sum over rows of x[r, j] (rows summed in order, so results are reproducible). */
export function sum_rows(x: usize, rows: i32, cols: i32, out: usize): void {
  let j = 0;
  for (; j + 4 <= cols; j += 4) {
    let acc = f32x4.splat(0);
    for (let r = 0; r < rows; r++) acc = f32x4.add(acc, v128.load(x + (<usize>(r * cols + j) << 2)));
    const o = out + (<usize>j << 2);
    v128.store(o, f32x4.add(v128.load(o), acc));
  }
  for (; j < cols; j++) {
    let acc: f32 = 0;
    for (let r = 0; r < rows; r++) acc += load<f32>(x + (<usize>(r * cols + j) << 2));
    store<f32>(out + (<usize>j << 2), load<f32>(out + (<usize>j << 2)) + acc);
  }
}

/** y = max(x, 0). */
export function relu(x: usize, y: usize, n: i32): void {
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(y + o, f32x4.max(v128.load(x + o), zero));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, max<f32>(load<f32>(x + o), 0));
  }
}

/** gx += g where y > 0 (y is relu's output). */
export function relu_backward(y: usize, g: usize, gx: usize, n: i32): void {
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const mask = f32x4.gt(v128.load(y + o), zero);
    v128.store(gx + o, f32x4.add(v128.load(gx + o), v128.and(v128.load(g + o), mask)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    if (load<f32>(y + o) > 0) store<f32>(gx + o, load<f32>(gx + o) + load<f32>(g + o));
  }
}

/** dst[r * dstStride + j] += alpha * src[r * srcStride + j] for r < rows, j < cols (strides in floats). */
export function axpy_rows(dst: usize, dstStride: i32, src: usize, srcStride: i32, rows: i32, cols: i32, alpha: f32): void {
  const a = f32x4.splat(alpha);
  for (let r = 0; r < rows; r++) {
    const d = dst + (<usize>(r * dstStride) << 2);
    const s = src + (<usize>(r * srcStride) << 2);
    let j = 0;
    if (alpha == 1) {
      for (; j + 4 <= cols; j += 4) {
        const o = <usize>j << 2;
        v128.store(d + o, f32x4.add(v128.load(d + o), v128.load(s + o)));
      }
    } else {
      for (; j + 4 <= cols; j += 4) {
        const o = <usize>j << 2;
        v128.store(d + o, f32x4.add(v128.load(d + o), f32x4.mul(v128.load(s + o), a)));
      }
    }
    for (; j < cols; j++) {
      const o = <usize>j << 2;
      store<f32>(d + o, load<f32>(d + o) + alpha * load<f32>(s + o));
    }
  }
}

/** out = a * b (n floats); with `acc`, out += a * b. */
export function mul_span(out: usize, a: usize, b: usize, n: i32, acc: i32): void {
  let i = 0;
  if (acc) {
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      v128.store(out + o, f32x4.add(v128.load(out + o), f32x4.mul(v128.load(a + o), v128.load(b + o))));
    }
    for (; i < n; i++) {
      const o = <usize>i << 2;
      store<f32>(out + o, load<f32>(out + o) + load<f32>(a + o) * load<f32>(b + o));
    }
    return;
  }
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(out + o, f32x4.mul(v128.load(a + o), v128.load(b + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(out + o, load<f32>(a + o) * load<f32>(b + o));
  }
}

/** dst[r * dstStride + j] = src[r * srcStride + j] for r < rows, j < cols (strides in floats). */
export function copy_rows(dst: usize, dstStride: i32, src: usize, srcStride: i32, rows: i32, cols: i32): void {
  const bytes = <usize>cols << 2;
  for (let r = 0; r < rows; r++)
    memory.copy(dst + (<usize>(r * dstStride) << 2), src + (<usize>(r * srcStride) << 2), bytes);
}

/**
 * Numeric features as fields: out[b * outStride + n * D + d] = values[b * N + n] * vectors[n * D + d]
 * for b < B, n < N, d < D (each value times its feature's vector).
 */
export function scale_vectors(out: usize, outStride: i32, values: usize, vectors: usize, B: i32, N: i32, D: i32): void {
  for (let b = 0; b < B; b++) {
    const o = out + (<usize>(b * outStride) << 2);
    for (let n = 0; n < N; n++) {
      const v = load<f32>(values + (<usize>(b * N + n) << 2));
      const s = f32x4.splat(v);
      const p = vectors + (<usize>(n * D) << 2);
      const q = o + (<usize>(n * D) << 2);
      let d = 0;
      for (; d + 4 <= D; d += 4) v128.store(q + (<usize>d << 2), f32x4.mul(s, v128.load(p + (<usize>d << 2))));
      for (; d < D; d++) store<f32>(q + (<usize>d << 2), v * load<f32>(p + (<usize>d << 2)));
    }
  }
}
