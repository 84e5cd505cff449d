/**
 * Symmetric eigendecomposition in float64: Householder reduction to tridiagonal form, then the
 * implicit QL algorithm with Wilkinson shifts, accumulating the orthogonal transform (the classic
 * algorithms of Wilkinson & Reinsch's Handbook, as in public-domain EISPACK's tred2/tql2). O(n^3);
 * a 2000 x 2000 covariance takes tens of seconds in plain JavaScript, a 400 x 400 well under one.
 * Returns eigenvalues in descending order and the matching orthonormal eigenvectors as columns.
 */
export interface Eigen {
  n: number;
  /** Eigenvalues, descending. */
  values: Float64Array;
  /** n x n row-major; column j is the eigenvector of values[j]. */
  vectors: Float64Array;
}

/** `a` is n x n row-major and symmetric (only read, never modified). */
export function symmetricEigen(a: ArrayLike<number>, n: number): Eigen {
  if (a.length !== n * n) throw new Error(`internal: symmetricEigen: ${a.length} values for ${n} x ${n}`);
  // Work on rows of z (z[i][j]); at the end z holds eigenvectors as columns.
  const z: Float64Array[] = Array.from({ length: n }, (_, i) =>
    Float64Array.from({ length: n }, (_, j) => a[i * n + j]),
  );
  for (let i = 0; i < n; i++)
    for (let j = 0; j < i; j++) {
      const v = z[i][j];
      if (!Number.isFinite(v) || Math.abs(v - z[j][i]) > 1e-6 * (1 + Math.abs(v))) {
        throw new Error(
          `internal: symmetricEigen: matrix is not symmetric and finite at (${i}, ${j}) (statistics refuse non-finite values)`,
        );
      }
      z[j][i] = v;
    }
  const d = new Float64Array(n),
    e = new Float64Array(n);
  tridiagonalize(z, d, e, n);
  // QL rotates pairs of columns of z; hold them as rows (zt = z^T) so each rotation is contiguous.
  const zt: Float64Array[] = Array.from({ length: n }, (_, j) => Float64Array.from({ length: n }, (_, i) => z[i][j]));
  implicitQL(zt, d, e, n);
  // Sort descending.
  const order = [...Array(n).keys()].sort((p, q) => d[q] - d[p]);
  const values = Float64Array.from(order, (k) => d[k]);
  const vectors = new Float64Array(n * n);
  order.forEach((k, j) => {
    const col = zt[k];
    for (let i = 0; i < n; i++) vectors[i * n + j] = col[i];
  });
  return { n, values, vectors };
}

/** Householder reduction of symmetric z to tridiagonal (d: diagonal, e[i]: sub-diagonal left of i); z becomes Q. */
function tridiagonalize(z: Float64Array[], d: Float64Array, e: Float64Array, n: number): void {
  for (let i = n - 1; i > 0; i--) {
    const l = i - 1;
    let h = 0;
    if (l > 0) {
      let scale = 0;
      for (let k = 0; k <= l; k++) scale += Math.abs(z[i][k]);
      if (scale === 0) {
        e[i] = z[i][l];
      } else {
        for (let k = 0; k <= l; k++) {
          z[i][k] /= scale;
          h += z[i][k] * z[i][k];
        }
        const f = z[i][l];
        const g = f >= 0 ? -Math.sqrt(h) : Math.sqrt(h);
        e[i] = scale * g;
        h -= f * g;
        z[i][l] = f - g;
        let ff = 0;
        for (let j = 0; j <= l; j++) {
          z[j][i] = z[i][j] / h;
          let gg = 0;
          for (let k = 0; k <= j; k++) gg += z[j][k] * z[i][k];
          for (let k = j + 1; k <= l; k++) gg += z[k][j] * z[i][k];
          e[j] = gg / h;
          ff += e[j] * z[i][j];
        }
        const hh = ff / (h + h);
        for (let j = 0; j <= l; j++) {
          const fj = z[i][j];
          const gj = (e[j] -= hh * fj);
          for (let k = 0; k <= j; k++) z[j][k] -= fj * e[k] + gj * z[i][k];
        }
      }
    } else {
      e[i] = z[i][l];
    }
    d[i] = h;
  }
  d[0] = 0;
  e[0] = 0;
  // Accumulate the transformations.
  for (let i = 0; i < n; i++) {
    const l = i - 1;
    if (d[i] !== 0) {
      for (let j = 0; j <= l; j++) {
        let g = 0;
        for (let k = 0; k <= l; k++) g += z[i][k] * z[k][j];
        for (let k = 0; k <= l; k++) z[k][j] -= g * z[k][i];
      }
    }
    d[i] = z[i][i];
    z[i][i] = 1;
    for (let j = 0; j <= l; j++) z[j][i] = z[i][j] = 0;
  }
}

/** Implicit QL with Wilkinson shifts on the tridiagonal (d, e), rotating the rows of zt (= columns of Q). */
function implicitQL(zt: Float64Array[], d: Float64Array, e: Float64Array, n: number): void {
  for (let i = 1; i < n; i++) e[i - 1] = e[i];
  if (n > 0) e[n - 1] = 0;
  for (let l = 0; l < n; l++) {
    let iter = 0;
    for (;;) {
      let m = l;
      for (; m < n - 1; m++) {
        const dd = Math.abs(d[m]) + Math.abs(d[m + 1]);
        if (Math.abs(e[m]) <= Number.EPSILON * dd) break;
      }
      if (m === l) break;
      if (++iter > 60)
        throw new Error(
          'internal: symmetricEigen: no convergence (QL on a finite symmetric matrix converges in far fewer steps)',
        );
      let g = (d[l + 1] - d[l]) / (2 * e[l]);
      let r = Math.hypot(g, 1);
      g = d[m] - d[l] + e[l] / (g + (g >= 0 ? Math.abs(r) : -Math.abs(r)));
      let s = 1,
        c = 1,
        p = 0;
      let i = m - 1;
      for (; i >= l; i--) {
        let f = s * e[i];
        const b = c * e[i];
        r = Math.hypot(f, g);
        e[i + 1] = r;
        if (r === 0) {
          d[i + 1] -= p;
          e[m] = 0;
          break;
        }
        s = f / r;
        c = g / r;
        g = d[i + 1] - p;
        r = (d[i] - g) * s + 2 * c * b;
        p = s * r;
        d[i + 1] = g + p;
        g = c * r - b;
        const zi = zt[i],
          zi1 = zt[i + 1];
        for (let k = 0; k < n; k++) {
          f = zi1[k];
          zi1[k] = s * zi[k] + c * f;
          zi[k] = c * zi[k] - s * f;
        }
      }
      if (r === 0 && i >= l) continue;
      d[l] -= p;
      e[l] = g;
      e[m] = 0;
    }
  }
}
