/** Activations (relu, sigmoid, tanh) and softmax over the last axis. */
import { engine } from '../../kernels/engine.js';
import { Tensor } from '../../tensor/tensor.js';
import { gradOf, record } from '../graph.js';

export function relu(x: Tensor): Tensor {
  const out = new Tensor(x.shape);
  const k = engine().k;
  k.relu(x.ptr, out.ptr, x.size);
  return record(out, 'relu', [x], (g) => k.relu_backward(out.ptr, g.ptr, gradOf(x).ptr, x.size));
}

export function sigmoid(x: Tensor): Tensor {
  const out = new Tensor(x.shape);
  const a = x.data,
    y = out.data;
  for (let i = 0; i < a.length; i++) {
    const v = a[i];
    // Stable for large |v|: never exp of a large positive number.
    y[i] = v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v));
  }
  return record(out, 'sigmoid', [x], (g) => {
    const gx = gradOf(x).data,
      gd = g.data;
    for (let i = 0; i < gd.length; i++) gx[i] += gd[i] * y[i] * (1 - y[i]);
  });
}

export function tanh(x: Tensor): Tensor {
  const out = new Tensor(x.shape);
  const a = x.data,
    y = out.data;
  for (let i = 0; i < a.length; i++) y[i] = Math.tanh(a[i]);
  return record(out, 'tanh', [x], (g) => {
    const gx = gradOf(x).data,
      gd = g.data;
    for (let i = 0; i < gd.length; i++) gx[i] += gd[i] * (1 - y[i] * y[i]);
  });
}

/** Softmax over the last axis (max-subtracted, so it never overflows). */
export function softmax(x: Tensor): Tensor {
  const n = x.shape[x.rank - 1];
  const rows = x.size / n;
  const out = new Tensor(x.shape);
  const a = x.data,
    y = out.data;
  for (let r = 0, o = 0; r < rows; r++, o += n) {
    let m = -Infinity;
    for (let j = 0; j < n; j++) if (a[o + j] > m) m = a[o + j];
    let s = 0;
    for (let j = 0; j < n; j++) s += y[o + j] = Math.exp(a[o + j] - m);
    const inv = 1 / s;
    for (let j = 0; j < n; j++) y[o + j] *= inv;
  }
  return record(out, 'softmax', [x], (g) => {
    const gx = gradOf(x).data,
      gd = g.data;
    for (let r = 0, o = 0; r < rows; r++, o += n) {
      let dot = 0;
      for (let j = 0; j < n; j++) dot += gd[o + j] * y[o + j];
      for (let j = 0; j < n; j++) gx[o + j] += y[o + j] * (gd[o + j] - dot);
    }
  });
}
