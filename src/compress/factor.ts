/**
 * The factorizations of METHOD.md, in float64, in our storage convention (a Linear computes
 * y = x W + b with W stored [in, out]; eigenvectors are the columns of `U`, [out, out]).
 *
 * AFM, layer:  W1 = W U_k [in, k], b1 = U_k^T b, W2 = U_k^T [k, out], b2 = mu - U_k U_k^T mu,
 *              so x W1 W2 + b1 W2 + b2 = U_k U_k^T (y - mu) + mu, the rank-k PCA of the output.
 * AFM, table:  E' = (E - mu) U_k [V, k], reconstruction e = e' U_k^T + mu (P = U_k^T [k, D]).
 * SVD:         W ~ W V_k V_k^T with V the right singular vectors of W (eigenvectors of W^T W).
 * Fusion:      a first layer reading e_f through W_f [D, h] reads e'_f through P_f W_f [k, h],
 *              and its bias gains sum_f mu_f W_f.
 */
import { symmetricEigen, type Eigen } from './eigen.js';
import { rankProblem } from './rank_choice.js';

export interface LayerFactors {
  rank: number;
  W1: Float32Array; // [in, k]
  b1: Float32Array; // [k]
  W2: Float32Array; // [k, out]
  b2: Float32Array; // [out]
}

export interface TableFactors {
  rank: number;
  table: Float32Array; // [V, k]
  P: Float32Array; // [k, D]
  mu: Float32Array; // [D]
}

/** Column c of the n x n eigenvector matrix, as a function. */
const col = (e: Eigen, j: number, c: number): number => e.vectors[j * e.n + c];

export function afmLayer(
  W: Float32Array,
  b: Float32Array | null,
  inDim: number,
  outDim: number,
  eig: Eigen,
  mu: ArrayLike<number>,
  k: number,
): LayerFactors {
  checkRank(k, outDim);
  const W1 = new Float32Array(inDim * k),
    b1 = new Float32Array(k),
    W2 = new Float32Array(k * outDim),
    b2 = new Float32Array(outDim);
  for (let i = 0; i < inDim; i++)
    for (let c = 0; c < k; c++) {
      let s = 0;
      for (let j = 0; j < outDim; j++) s += W[i * outDim + j] * col(eig, j, c);
      W1[i * k + c] = s;
    }
  const proj = new Float64Array(k); // U_k^T mu
  for (let c = 0; c < k; c++) {
    let sb = 0,
      sm = 0;
    for (let j = 0; j < outDim; j++) {
      sb += (b ? b[j] : 0) * col(eig, j, c);
      sm += mu[j] * col(eig, j, c);
    }
    b1[c] = sb;
    proj[c] = sm;
  }
  for (let c = 0; c < k; c++) for (let j = 0; j < outDim; j++) W2[c * outDim + j] = col(eig, j, c);
  for (let j = 0; j < outDim; j++) {
    let s = mu[j];
    for (let c = 0; c < k; c++) s -= col(eig, j, c) * proj[c];
    b2[j] = s;
  }
  return { rank: k, W1, b1, W2, b2 };
}

/** Eigen-decomposition of W^T W (right singular vectors of W, descending singular values squared). */
export function rightSingular(W: Float32Array, inDim: number, outDim: number): Eigen {
  const g = new Float64Array(outDim * outDim);
  for (let i = 0; i < inDim; i++) {
    const o = i * outDim;
    for (let a = 0; a < outDim; a++) {
      const wa = W[o + a];
      if (wa === 0) continue;
      for (let c = 0; c <= a; c++) g[a * outDim + c] += wa * W[o + c];
    }
  }
  for (let a = 0; a < outDim; a++) for (let c = 0; c < a; c++) g[c * outDim + a] = g[a * outDim + c];
  return symmetricEigen(g, outDim);
}

export function svdLayer(
  W: Float32Array,
  b: Float32Array | null,
  inDim: number,
  outDim: number,
  k: number,
  eig = rightSingular(W, inDim, outDim),
): LayerFactors {
  const f = afmLayer(W, null, inDim, outDim, eig, new Float64Array(outDim), k);
  if (b) f.b2.set(b);
  return f;
}

export function afmTable(
  E: Float32Array,
  rows: number,
  dim: number,
  eig: Eigen,
  mu: ArrayLike<number>,
  k: number,
): TableFactors {
  checkRank(k, dim);
  const table = new Float32Array(rows * k),
    P = new Float32Array(k * dim);
  const centered = new Float64Array(dim);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < dim; j++) centered[j] = E[r * dim + j] - mu[j];
    for (let c = 0; c < k; c++) {
      let s = 0;
      for (let j = 0; j < dim; j++) s += centered[j] * col(eig, j, c);
      table[r * k + c] = s;
    }
  }
  for (let c = 0; c < k; c++) for (let j = 0; j < dim; j++) P[c * dim + j] = col(eig, j, c);
  return { rank: k, table, P, mu: Float32Array.from(mu) };
}

export function svdTable(E: Float32Array, rows: number, dim: number, k: number): TableFactors {
  return afmTable(E, rows, dim, rightSingular(E, rows, dim), new Float64Array(dim), k);
}

/**
 * Folds per-field reconstructions into a layer W [F*D + rest, h] with bias b [h]: returns
 * W' [F*k + rest, h] and b' = b + sum_f mu_f W_f. With `numeric` ([N, D]: the vectors of the
 * first N*D rest rows, each numeric feature's value times its vector), those rows fold to one per
 * feature, W'_n = v_n W_n, so W' is [F*k + N + rest - N*D, h].
 */
export function fuseIntoFirstLayer(
  W: Float32Array,
  b: Float32Array | null,
  h: number,
  fields: TableFactors[],
  o: { dim: number; restRows: number; numeric: Float32Array | null },
): { W: Float32Array; b: Float32Array } {
  const { dim, restRows } = o;
  const k = fields[0]?.rank ?? 0;
  const F = fields.length;
  const N = o.numeric ? o.numeric.length / dim : 0;
  const out = new Float32Array((F * k + restRows - N * (dim - 1)) * h);
  const bias = new Float64Array(h);
  if (b) bias.set(b);
  // Row r of `out` = sum_j vec[j] * row (first + j) of W: a k -> D reconstruction or a numeric vector, folded.
  const fold = (r: number, vec: ArrayLike<number>, first: number): void => {
    for (let o2 = 0; o2 < h; o2++) {
      let s = 0;
      for (let j = 0; j < dim; j++) s += vec[j] * W[(first + j) * h + o2];
      out[r * h + o2] = s;
    }
  };
  fields.forEach((t, f) => {
    for (let c = 0; c < k; c++) fold(f * k + c, t.P.subarray(c * dim, (c + 1) * dim), f * dim);
    for (let j = 0; j < dim; j++) for (let o2 = 0; o2 < h; o2++) bias[o2] += t.mu[j] * W[(f * dim + j) * h + o2];
  });
  for (let n = 0; n < N; n++) fold(F * k + n, o.numeric!.subarray(n * dim, (n + 1) * dim), (F + n) * dim);
  out.set(W.subarray((F + N) * dim * h, (F * dim + restRows) * h), (F * k + N) * h);
  return { W: out, b: Float32Array.from(bias) };
}

function checkRank(k: number, max: number): void {
  const bad = rankProblem(k, max);
  if (bad) throw new Error(`internal: rank ${bad} (rank choices are checked first)`);
}
