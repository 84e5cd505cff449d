// Gathering rows of a quantized table (see src/tensor/quantize.ts): each fetched row is widened to
// float32 as level * scale + offset, a multiply then an add (never fused), so the result is the
// same bits as the JavaScript reference on every build.

/** The eight 8-bit levels in the low bytes of b, times s, plus o, stored as 8 floats at d. */
// @ts-ignore: decorator
@inline function widen8(b: v128, d: usize, s: v128, o: v128): void {
  const h = i16x8.extend_low_i8x16_u(b);
  v128.store(d, f32x4.add(f32x4.mul(f32x4.convert_i32x4_u(i32x4.extend_low_i16x8_u(h)), s), o));
  v128.store(d, f32x4.add(f32x4.mul(f32x4.convert_i32x4_u(i32x4.extend_high_i16x8_u(h)), s), o), 16);
}

// As in rows.ts: a first pass over CHUNK ids loads one word of each row's levels, scale and offset
// (three cache lines apart), so the misses overlap before the pass that does the work.
const CHUNK = 256;
let sink: u32 = 0;

// @ts-ignore: decorator
@inline function touch(table: usize, rowBytes: usize, scales: usize, offsets: usize, ids: usize, idStep: usize, i0: i32, i1: i32): void {
  let acc: u32 = 0;
  let p = ids + <usize>i0 * idStep;
  for (let i = i0; i < i1; i++, p += idStep) {
    const id = <usize>load<u32>(p);
    acc ^= <u32>load<u8>(table + id * rowBytes) ^ load<u32>(scales + (id << 2)) ^ load<u32>(offsets + (id << 2));
  }
  sink ^= acc;
}

/**
 * out[i * outStride : + dim] = row ids[i * idStride] of the quantized table: `bits` 8 or 4, rows
 * `rowBytes` bytes apart, per-row float scale and offset. Four-bit rows hold the lower nibble first.
 * The arguments follow gather_rows's (ids, idStride, n, out, outStride) so pool calls look alike.
 */
export function gather_rows_q(
  table: usize, rowBytes: i32, bits: i32, dim: i32, scales: usize, offsets: usize, ids: usize, idStride: i32, n: i32, out: usize,
  outStride: i32,
): void {
  const nibble = i16x8.splat(15);
  for (let i = 0; i < n; i++) {
    if (i % CHUNK == 0) touch(table, <usize>rowBytes, scales, offsets, ids, <usize>idStride << 2, i, min(n, i + CHUNK));
    const id = load<i32>(ids + (<usize>(i * idStride) << 2));
    const row = table + <usize>id * <usize>rowBytes;
    const sc = load<f32>(scales + (<usize>id << 2)), off = load<f32>(offsets + (<usize>id << 2));
    const s = f32x4.splat(sc), o = f32x4.splat(off);
    const dst = out + (<usize>(i * outStride) << 2);
    let j = 0;
    if (bits == 8) {
      for (; j + 8 <= dim; j += 8) widen8(v128.load64_zero(row + <usize>j), dst + (<usize>j << 2), s, o);
      for (; j < dim; j++) store<f32>(dst + (<usize>j << 2), <f32>load<u8>(row + <usize>j) * sc + off);
    } else {
      // Four bytes hold eight levels: as 16-bit lanes, (byte & 15) | (byte >> 4) << 8 are the levels
      // in order when read back as bytes.
      for (; j + 8 <= dim; j += 8) {
        const packed = i16x8.extend_low_i8x16_u(v128.load32_zero(row + <usize>(j >> 1)));
        const levels = v128.or(v128.and(packed, nibble), i16x8.shl(i16x8.shr_u(packed, 4), 8));
        widen8(levels, dst + (<usize>j << 2), s, o);
      }
      for (; j < dim; j++) {
        const byte = load<u8>(row + <usize>(j >> 1));
        const q = j & 1 ? byte >> 4 : byte & 15;
        store<f32>(dst + (<usize>j << 2), <f32>q * sc + off);
      }
    }
  }
}
