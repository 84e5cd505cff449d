// Bilinear field interaction (FiBiNET) for examples [b0, b1), straight from emb [B, F, D] to
// out [B, P, D] (rows of P*D floats `ldo` floats apart, so two interactions can share rows), pairs (i, j), i < j, in order (0,1), (0,2), ..., (F-2,F-1):
//   out[b, p] = (emb[b, i] W_p) ⊙ emb[b, j]
// with W_p = W (mode 0, field_all), W[i] (mode 1, field_each) or W[p] (mode 2, field_interaction).
// In modes 0 and 1, t = emb[b, i] W_p is computed once per left field i and reused for every j.
import { dot } from './vector';

/** t[0..n) of row e (D floats) times the D x D matrix M, columns [c, c+4). */
// @ts-ignore: decorator
@inline
function rowTimes4(e: usize, M: usize, D: i32, c: i32): v128 {
  let t = f32x4.splat(0);
  const co = <usize>c << 2;
  for (let k = 0; k < D; k++) t = f32x4.add(t, f32x4.mul(v128.load32_splat(e + (<usize>k << 2)), v128.load(M + (<usize>(k * D) << 2) + co)));
  return t;
}

// @ts-ignore: decorator
@inline
function rowTimes1(e: usize, M: usize, D: i32, c: i32): f32 {
  let t: f32 = 0;
  for (let k = 0; k < D; k++) t += load<f32>(e + (<usize>k << 2)) * load<f32>(M + (<usize>(k * D + c) << 2));
  return t;
}

function weightOf(W: usize, mode: i32, i: i32, p: i32, D: i32): usize {
  return mode == 0 ? W : W + (<usize>((mode == 1 ? i : p) * D * D) << 2);
}

export function bilinear_forward(emb: usize, W: usize, mode: i32, F: i32, D: i32, out: usize, ldo: i32, b0: i32, b1: i32): void {
  const P = (F * (F - 1)) >> 1;
  for (let b = b0; b < b1; b++) {
    const e = emb + (<usize>(b * F * D) << 2);
    const o = out + (<usize>b * <usize>ldo << 2);
    let p0 = 0;
    for (let i = 0; i < F - 1; i++) {
      const ei = e + (<usize>(i * D) << 2);
      const n = F - 1 - i;
      let c = 0;
      for (; c + 4 <= D; c += 4) {
        const co = <usize>c << 2;
        let t = mode == 2 ? f32x4.splat(0) : rowTimes4(ei, weightOf(W, mode, i, p0, D), D, c);
        for (let q = 0; q < n; q++) {
          if (mode == 2) t = rowTimes4(ei, weightOf(W, mode, i, p0 + q, D), D, c);
          const ej = e + (<usize>((i + 1 + q) * D) << 2);
          v128.store(o + (<usize>((p0 + q) * D) << 2) + co, f32x4.mul(t, v128.load(ej + co)));
        }
      }
      for (; c < D; c++) {
        const co = <usize>c << 2;
        let t: f32 = mode == 2 ? 0 : rowTimes1(ei, weightOf(W, mode, i, p0, D), D, c);
        for (let q = 0; q < n; q++) {
          if (mode == 2) t = rowTimes1(ei, weightOf(W, mode, i, p0 + q, D), D, c);
          const ej = e + (<usize>((i + 1 + q) * D) << 2);
          store<f32>(o + (<usize>((p0 + q) * D) << 2) + co, t * load<f32>(ej + co));
        }
      }
      p0 += n;
    }
  }
}

/**
 * Backward for examples [b0, b1), g = dL/dout laid out as out. Writes gT = dL/dt ([B, F, D] in modes 0 and 1, the sum over a
 * left field's pairs; [B, P, D] in mode 2), from which the caller forms dL/dW with GEMMs, and
 * accumulates dL/demb into gEmb unless it is 0.
 */
export function bilinear_backward(emb: usize, W: usize, mode: i32, F: i32, D: i32, g: usize, ldo: i32, gT: usize, gEmb: usize, b0: i32, b1: i32): void {
  const P = (F * (F - 1)) >> 1;
  const rowsT = mode == 2 ? P : F;
  for (let b = b0; b < b1; b++) {
    const e = emb + (<usize>(b * F * D) << 2);
    const gb = g + (<usize>b * <usize>ldo << 2);
    const ge = gEmb + (<usize>(b * F * D) << 2);
    const tb = gT + (<usize>(b * rowsT * D) << 2);
    let p0 = 0;
    for (let i = 0; i < F - 1; i++) {
      const ei = e + (<usize>(i * D) << 2);
      const n = F - 1 - i;
      let c = 0;
      for (; c + 4 <= D; c += 4) {
        const co = <usize>c << 2;
        let t = mode == 2 ? f32x4.splat(0) : rowTimes4(ei, weightOf(W, mode, i, p0, D), D, c);
        let acc = f32x4.splat(0);
        for (let q = 0; q < n; q++) {
          const p = p0 + q;
          const gp = v128.load(gb + (<usize>(p * D) << 2) + co);
          const ej = e + (<usize>((i + 1 + q) * D) << 2) + co;
          const prod = f32x4.mul(gp, v128.load(ej));
          if (mode == 2) {
            v128.store(tb + (<usize>(p * D) << 2) + co, prod);
            t = rowTimes4(ei, weightOf(W, mode, i, p, D), D, c);
          } else acc = f32x4.add(acc, prod);
          if (gEmb) {
            const a = ge + (<usize>((i + 1 + q) * D) << 2) + co;
            v128.store(a, f32x4.add(v128.load(a), f32x4.mul(gp, t)));
          }
        }
        if (mode != 2) v128.store(tb + (<usize>(i * D) << 2) + co, acc);
      }
      for (; c < D; c++) {
        const co = <usize>c << 2;
        let t: f32 = mode == 2 ? 0 : rowTimes1(ei, weightOf(W, mode, i, p0, D), D, c);
        let acc: f32 = 0;
        for (let q = 0; q < n; q++) {
          const p = p0 + q;
          const gp = load<f32>(gb + (<usize>(p * D) << 2) + co);
          const prod = gp * load<f32>(e + (<usize>((i + 1 + q) * D) << 2) + co);
          if (mode == 2) {
            store<f32>(tb + (<usize>(p * D) << 2) + co, prod);
            t = rowTimes1(ei, weightOf(W, mode, i, p, D), D, c);
          } else acc += prod;
          if (gEmb) {
            const a = ge + (<usize>((i + 1 + q) * D) << 2) + co;
            store<f32>(a, load<f32>(a) + gp * t);
          }
        }
        if (mode != 2) store<f32>(tb + (<usize>(i * D) << 2) + co, acc);
      }
      if (gEmb) {
        // dL/demb[b, i] += gT W_p^T: entry k is the dot of gT with row k of W_p.
        const gi = ge + (<usize>(i * D) << 2);
        if (mode == 2) {
          for (let q = 0; q < n; q++) {
            const Wp = weightOf(W, mode, i, p0 + q, D), tp = tb + (<usize>((p0 + q) * D) << 2);
            for (let k = 0; k < D; k++) store<f32>(gi + (<usize>k << 2), load<f32>(gi + (<usize>k << 2)) + dot(tp, Wp + (<usize>(k * D) << 2), D));
          }
        } else {
          const Wi = weightOf(W, mode, i, p0, D), ti = tb + (<usize>(i * D) << 2);
          for (let k = 0; k < D; k++) store<f32>(gi + (<usize>k << 2), load<f32>(gi + (<usize>k << 2)) + dot(ti, Wi + (<usize>(k * D) << 2), D));
        }
      }
      p0 += n;
    }
    if (mode != 2) {
      // The last field is never a left field: its gT row is zero.
      for (let c = 0; c < D; c++) store<f32>(tb + (<usize>((F - 1) * D + c) << 2), 0);
    }
  }
}
