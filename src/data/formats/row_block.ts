/**
 * A block of parsed rows: cells are byte ranges into one Buffer (no strings made), so the
 * encoders can hash and parse them in place. An empty range means a missing value.
 */
export class RowBlock {
  rows = 0;
  /** Cell (r, c) is buf[starts[r*cols+c], ends[r*cols+c]). */
  starts: Int32Array;
  ends: Int32Array;
  /** 1-based line number of each row in its file. */
  lines: Float64Array;
  /** 0-based ordinal of each row among the file's data rows (bad rows counted), used by splits. */
  ordinals: Float64Array;
  /** Byte range of each whole line (for error snippets). */
  lineStart: Int32Array;
  lineEnd: Int32Array;
  buf: Buffer = Buffer.alloc(0);

  constructor(
    readonly file: string,
    readonly cols: number,
    public capacity = 1024,
  ) {
    this.starts = new Int32Array(capacity * cols);
    this.ends = new Int32Array(capacity * cols);
    this.lines = new Float64Array(capacity);
    this.ordinals = new Float64Array(capacity);
    this.lineStart = new Int32Array(capacity);
    this.lineEnd = new Int32Array(capacity);
  }

  /** Empties the block for a new buffer, growing arrays so that `rowsNeeded` rows fit. */
  reset(buf: Buffer, rowsNeeded: number): void {
    this.buf = buf;
    this.rows = 0;
    if (rowsNeeded > this.capacity) {
      const cap = Math.max(rowsNeeded, this.capacity * 2);
      this.capacity = cap;
      this.starts = new Int32Array(cap * this.cols);
      this.ends = new Int32Array(cap * this.cols);
      this.lines = new Float64Array(cap);
      this.ordinals = new Float64Array(cap);
      this.lineStart = new Int32Array(cap);
      this.lineEnd = new Int32Array(cap);
    }
  }

  /** Cell text (UTF-8), '' when missing. For error messages and fitting, not hot loops. */
  cell(r: number, c: number): string {
    const k = r * this.cols + c;
    return this.buf.toString('utf8', this.starts[k], this.ends[k]);
  }

  /** The row's line, shortened, for error messages. */
  snippet(r: number): string {
    return snippetOf(this.buf, this.lineStart[r], this.lineEnd[r]);
  }
}

/** A printable excerpt of buf[s, e): tabs shown as \t, at most 160 characters. */
export function snippetOf(buf: Buffer, s: number, e: number): string {
  const text = buf
    .toString('utf8', s, Math.min(e, s + 200))
    .replace(/\t/g, '\\t')
    .replace(/\r/g, '\\r');
  return text.length > 160 ? `${text.slice(0, 160)}...` : e - s > 200 ? `${text}...` : text;
}
