/**
 * Output statistics of one compression target (a Linear layer's raw output, or an embedding
 * field's looked-up vectors): count n, S1 = sum(y), S2 = sum(y y^T), in float64. Statistics are
 * additive, so shards computed separately merge by addition. Per batch, y^T y is formed with the
 * float32 GEMM kernel over chunks of 256 rows and each chunk's product added in float64.
 */
import { engine } from '../kernels/engine.js';
import { Tensor, tidy } from '../tensor/tensor.js';
import { symmetricEigen, type Eigen } from './eigen.js';
import { TrainingError } from '../util/errors.js';

const CHUNK = 256;

export class OutputStats {
  n = 0;
  readonly s1: Float64Array;
  readonly s2: Float64Array;
  /** The eigendecomposition of the covariance, kept until more rows arrive (spectra, selection, report and factorization all ask). */
  private eig: Eigen | null = null;

  constructor(readonly dim: number) {
    this.s1 = new Float64Array(dim);
    this.s2 = new Float64Array(dim * dim);
  }

  /** Adds the rows of y ([rows, dim], row-major, in the kernel heap or not). */
  add(y: Float32Array, rows: number): void {
    const d = this.dim;
    if (y.length < rows * d) throw new Error(`internal: stats: ${y.length} values for ${rows} rows of ${d}`);
    for (let r = 0; r < rows; r++)
      for (let j = 0; j < d; j++) {
        const v = y[r * d + j];
        if (!Number.isFinite(v))
          throw new TrainingError(
            `statistics pass: non-finite output ${v} at row ${r}, column ${j} (numeric inputs far outside the training range?)`,
          );
        this.s1[j] += v;
      }
    tidy(() => {
      const e = engine();
      const prod = new Tensor([d, d]);
      const chunk = new Tensor([Math.min(CHUNK, rows), d]);
      for (let r0 = 0; r0 < rows; r0 += CHUNK) {
        const m = Math.min(CHUNK, rows - r0);
        chunk.data.set(y.subarray(r0 * d, (r0 + m) * d));
        e.sgemm(true, false, d, d, m, 1, chunk.ptr, d, chunk.ptr, d, 0, prod.ptr, d);
        const p = prod.data;
        for (let i = 0; i < d * d; i++) this.s2[i] += p[i];
      }
    });
    this.n += rows;
    this.eig = null;
  }

  /** Adds another accumulator's statistics (shards merge by addition). */
  merge(other: OutputStats): this {
    if (other.dim !== this.dim) throw new Error(`internal: stats: cannot merge dim ${other.dim} into ${this.dim}`);
    this.n += other.n;
    this.eig = null;
    for (let i = 0; i < this.dim; i++) this.s1[i] += other.s1[i];
    for (let i = 0; i < this.s2.length; i++) this.s2[i] += other.s2[i];
    return this;
  }

  mean(): Float64Array {
    return this.s1.map((v) => v / this.n);
  }

  /** C = S2 / n - mu mu^T (symmetrised). */
  covariance(): Float64Array {
    if (this.n === 0) throw new Error('internal: stats: no rows accumulated');
    const d = this.dim,
      mu = this.mean();
    const c = new Float64Array(d * d);
    for (let i = 0; i < d; i++)
      for (let j = 0; j <= i; j++) {
        const v = (this.s2[i * d + j] + this.s2[j * d + i]) / (2 * this.n) - mu[i] * mu[j];
        c[i * d + j] = c[j * d + i] = v;
      }
    return c;
  }

  eigen(): Eigen {
    this.eig ??= symmetricEigen(this.covariance(), this.dim);
    return this.eig;
  }
}

/** Fraction of variance kept by the top k eigenvalues (negative round-off clipped to 0). */
export function energyKept(values: Float64Array, k: number): number {
  let total = 0,
    kept = 0;
  values.forEach((v, i) => {
    const c = Math.max(v, 0);
    total += c;
    if (i < k) kept += c;
  });
  return total > 0 ? kept / total : 1;
}

/** Smallest k keeping at least `energy` of the variance. */
export function rankForEnergy(values: Float64Array, energy: number): number {
  for (let k = 1; k <= values.length; k++) if (energyKept(values, k) >= energy - 1e-12) return k;
  return values.length;
}
