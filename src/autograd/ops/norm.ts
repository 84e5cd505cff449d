/** Batch normalization (over the batch axis of [B, D]) and layer normalization (over the last axis). */
import { Tensor } from '../../tensor/tensor.js';
import { ShapeError } from '../../util/errors.js';
import { gradOf, record } from '../graph.js';

export interface BatchNormState {
  runningMean: Float32Array;
  runningVar: Float32Array;
  momentum: number;
  eps: number;
}

/**
 * y = gamma * (x - mean) / sqrt(var + eps) + beta per column. In training mode the batch's
 * statistics are used and the running averages updated; in eval mode the running averages.
 */
export function batchNorm(x: Tensor, gamma: Tensor, beta: Tensor, st: BatchNormState, training: boolean): Tensor {
  const d = x.shape[x.rank - 1];
  const n = x.size / d;
  if (gamma.size !== d || beta.size !== d)
    throw new ShapeError(`batchNorm: ${d} features but gamma/beta of ${gamma.size}/${beta.size}`);
  const a = x.data,
    gm = gamma.data,
    bt = beta.data;
  const mu = new Float64Array(d),
    inv = new Float64Array(d);
  if (training) {
    if (n < 2) throw new ShapeError('batchNorm: training needs a batch of at least 2 rows');
    for (let r = 0; r < n; r++) for (let j = 0; j < d; j++) mu[j] += a[r * d + j];
    for (let j = 0; j < d; j++) mu[j] /= n;
    const v = new Float64Array(d);
    for (let r = 0; r < n; r++)
      for (let j = 0; j < d; j++) {
        const c = a[r * d + j] - mu[j];
        v[j] += c * c;
      }
    for (let j = 0; j < d; j++) {
      const biased = v[j] / n;
      inv[j] = 1 / Math.sqrt(biased + st.eps);
      st.runningMean[j] = (1 - st.momentum) * st.runningMean[j] + st.momentum * mu[j];
      st.runningVar[j] = (1 - st.momentum) * st.runningVar[j] + st.momentum * (v[j] / (n - 1));
    }
  } else {
    for (let j = 0; j < d; j++) {
      mu[j] = st.runningMean[j];
      inv[j] = 1 / Math.sqrt(st.runningVar[j] + st.eps);
    }
  }
  const out = new Tensor(x.shape);
  const y = out.data;
  const xhat = new Float32Array(x.size);
  for (let r = 0; r < n; r++)
    for (let j = 0; j < d; j++) {
      const i = r * d + j;
      xhat[i] = (a[i] - mu[j]) * inv[j];
      y[i] = gm[j] * xhat[i] + bt[j];
    }
  return record(
    out,
    'batchNorm',
    [x, gamma, beta],
    (g) => {
      const gd = g.data;
      const sg = new Float64Array(d),
        sgx = new Float64Array(d);
      for (let r = 0; r < n; r++)
        for (let j = 0; j < d; j++) {
          const i = r * d + j;
          sg[j] += gd[i];
          sgx[j] += gd[i] * xhat[i];
        }
      if (gamma.requiresGrad) {
        const gg = gradOf(gamma).data;
        for (let j = 0; j < d; j++) gg[j] += sgx[j];
      }
      if (beta.requiresGrad) {
        const gb = gradOf(beta).data;
        for (let j = 0; j < d; j++) gb[j] += sg[j];
      }
      if (!x.requiresGrad) return;
      const gx = gradOf(x).data;
      for (let r = 0; r < n; r++)
        for (let j = 0; j < d; j++) {
          const i = r * d + j;
          gx[i] += training ? ((gm[j] * inv[j]) / n) * (n * gd[i] - sg[j] - xhat[i] * sgx[j]) : gm[j] * inv[j] * gd[i];
        }
    },
    { training, mean: mu, invStd: inv },
  );
}

/** y = gamma * (x - mean) / sqrt(var + eps) + beta over the last axis of each row. */
export function layerNorm(x: Tensor, gamma: Tensor, beta: Tensor, eps = 1e-5): Tensor {
  const d = x.shape[x.rank - 1];
  const n = x.size / d;
  if (gamma.size !== d || beta.size !== d)
    throw new ShapeError(`layerNorm: ${d} features but gamma/beta of ${gamma.size}/${beta.size}`);
  const a = x.data,
    gm = gamma.data,
    bt = beta.data;
  const out = new Tensor(x.shape);
  const y = out.data;
  const xhat = new Float32Array(x.size),
    inv = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    const o = r * d;
    let m = 0;
    for (let j = 0; j < d; j++) m += a[o + j];
    m /= d;
    let v = 0;
    for (let j = 0; j < d; j++) {
      const c = a[o + j] - m;
      v += c * c;
    }
    inv[r] = 1 / Math.sqrt(v / d + eps);
    for (let j = 0; j < d; j++) {
      xhat[o + j] = (a[o + j] - m) * inv[r];
      y[o + j] = gm[j] * xhat[o + j] + bt[j];
    }
  }
  return record(
    out,
    'layerNorm',
    [x, gamma, beta],
    (g) => {
      const gd = g.data;
      if (gamma.requiresGrad || beta.requiresGrad) {
        const gg = gradOf(gamma).data,
          gb = gradOf(beta).data;
        for (let r = 0; r < n; r++)
          for (let j = 0; j < d; j++) {
            const i = r * d + j;
            gg[j] += gd[i] * xhat[i];
            gb[j] += gd[i];
          }
      }
      if (!x.requiresGrad) return;
      const gx = gradOf(x).data;
      for (let r = 0; r < n; r++) {
        const o = r * d;
        let s1 = 0,
          s2 = 0;
        for (let j = 0; j < d; j++) {
          const gh = gd[o + j] * gm[j];
          s1 += gh;
          s2 += gh * xhat[o + j];
        }
        for (let j = 0; j < d; j++) {
          const gh = gd[o + j] * gm[j];
          gx[o + j] += (inv[r] / d) * (d * gh - s1 - xhat[o + j] * s2);
        }
      }
    },
    { eps },
  );
}
