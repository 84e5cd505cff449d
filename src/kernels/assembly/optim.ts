// Optimizer updates over spans of floats. Dense parameters call them once per tensor; embedding
// tables call them once per touched row (rows store weights then optimizer slots, see rows.ts).
// `wd` is L2 weight decay added to the gradient (g + wd * w).

// @ts-ignore: decorator
@inline function tail(i: i32, n: i32): bool {
  return i < n;
}

export function sgd_span(w: usize, g: usize, n: i32, lr: f32, wd: f32): void {
  const vlr = f32x4.splat(lr), vwd = f32x4.splat(wd);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const wv = v128.load(w + o);
    const gv = f32x4.add(v128.load(g + o), f32x4.mul(vwd, wv));
    v128.store(w + o, f32x4.sub(wv, f32x4.mul(vlr, gv)));
  }
  for (; tail(i, n); i++) {
    const o = <usize>i << 2;
    const wv = load<f32>(w + o);
    store<f32>(w + o, wv - lr * (load<f32>(g + o) + wd * wv));
  }
}

export function adagrad_span(w: usize, g: usize, acc: usize, n: i32, lr: f32, eps: f32, wd: f32): void {
  const vlr = f32x4.splat(lr), veps = f32x4.splat(eps), vwd = f32x4.splat(wd);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const wv = v128.load(w + o);
    const gv = f32x4.add(v128.load(g + o), f32x4.mul(vwd, wv));
    const av = f32x4.add(v128.load(acc + o), f32x4.mul(gv, gv));
    v128.store(acc + o, av);
    v128.store(w + o, f32x4.sub(wv, f32x4.div(f32x4.mul(vlr, gv), f32x4.add(f32x4.sqrt(av), veps))));
  }
  for (; tail(i, n); i++) {
    const o = <usize>i << 2;
    const wv = load<f32>(w + o);
    const gv = load<f32>(g + o) + wd * wv;
    const av = load<f32>(acc + o) + gv * gv;
    store<f32>(acc + o, av);
    store<f32>(w + o, wv - (lr * gv) / (Mathf.sqrt(av) + eps));
  }
}

/** Adam; `lrt` is lr * sqrt(1 - b2^t) / (1 - b1^t) (bias corrections folded in by the caller). */
export function adam_span(w: usize, g: usize, m: usize, v: usize, n: i32, lrt: f32, b1: f32, b2: f32, eps: f32, wd: f32): void {
  const vlr = f32x4.splat(lrt), veps = f32x4.splat(eps), vwd = f32x4.splat(wd);
  const vb1 = f32x4.splat(b1), vb2 = f32x4.splat(b2), vc1 = f32x4.splat(1 - b1), vc2 = f32x4.splat(1 - b2);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const wv = v128.load(w + o);
    const gv = f32x4.add(v128.load(g + o), f32x4.mul(vwd, wv));
    const mv = f32x4.add(f32x4.mul(vb1, v128.load(m + o)), f32x4.mul(vc1, gv));
    const vv = f32x4.add(f32x4.mul(vb2, v128.load(v + o)), f32x4.mul(vc2, f32x4.mul(gv, gv)));
    v128.store(m + o, mv);
    v128.store(v + o, vv);
    v128.store(w + o, f32x4.sub(wv, f32x4.div(f32x4.mul(vlr, mv), f32x4.add(f32x4.sqrt(vv), veps))));
  }
  for (; tail(i, n); i++) {
    const o = <usize>i << 2;
    const wv = load<f32>(w + o);
    const gv = load<f32>(g + o) + wd * wv;
    const mv = b1 * load<f32>(m + o) + (1 - b1) * gv;
    const vv = b2 * load<f32>(v + o) + (1 - b2) * gv * gv;
    store<f32>(m + o, mv);
    store<f32>(v + o, vv);
    store<f32>(w + o, wv - (lrt * mv) / (Mathf.sqrt(vv) + eps));
  }
}
