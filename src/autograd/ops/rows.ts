/** Row-wise helpers on plain arrays, shared by several ops (bias add and its gradient). */

/** x[r, :] += v for every row r of a rows x cols matrix. */
export function addRowVector(x: Float32Array, v: Float32Array, rows: number, cols: number): void {
  for (let r = 0, o = 0; r < rows; r++, o += cols) {
    for (let j = 0; j < cols; j++) x[o + j] += v[j];
  }
}

/** out[j] += sum over rows of x[r, j]. */
export function sumRows(x: Float32Array, rows: number, cols: number, out: Float32Array): void {
  const acc = new Float64Array(cols);
  for (let r = 0, o = 0; r < rows; r++, o += cols) {
    for (let j = 0; j < cols; j++) acc[j] += x[o + j];
  }
  for (let j = 0; j < cols; j++) out[j] += acc[j];
}
