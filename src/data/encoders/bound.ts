/**
 * Encoders bound to a file's column layout, and the hot loop that turns a RowBlock into
 * ids / dense / labels. Field kinds are split into flat arrays so each inner loop is
 * monomorphic; no strings are made per cell.
 */
import { DataError } from '../../util/errors.js';
import type { BadRows } from '../bad_rows.js';
import type { RowBlock } from '../formats/row_block.js';
import { type HashIdTable, hashBytes, hashHi } from '../hash.js';
import { fitsFloat32, parseLabel, parseNumber } from '../numbers.js';
import { hashBucketOfBytes, MISSING_ID, OOV_ID } from './categorical.js';
import type { Encoders } from './encoders.js';
import { criteoBucket } from './numeric.js';

const SMALL_INT = 1024;

/** Growable row-major arrays of encoded rows. */
export class EncodedRows {
  rows = 0;
  ids: Int32Array;
  dense: Float32Array;
  labels: Float32Array;

  constructor(
    readonly numCategorical: number,
    readonly numDense: number,
    public capacity = 4096,
  ) {
    this.ids = new Int32Array(capacity * numCategorical);
    this.dense = new Float32Array(capacity * numDense);
    this.labels = new Float32Array(capacity);
  }

  /** Makes room for `extra` more rows. */
  reserve(extra: number): void {
    const need = this.rows + extra;
    if (need <= this.capacity) return;
    const cap = Math.max(need, this.capacity * 2);
    const ids = new Int32Array(cap * this.numCategorical);
    ids.set(this.ids.subarray(0, this.rows * this.numCategorical));
    const dense = new Float32Array(cap * this.numDense);
    dense.set(this.dense.subarray(0, this.rows * this.numDense));
    const labels = new Float32Array(cap);
    labels.set(this.labels.subarray(0, this.rows));
    Object.assign(this, { ids, dense, labels, capacity: cap });
  }

  clear(): void {
    this.rows = 0;
  }
}

/** Which output a row goes to (index into the outputs array), or -1 to drop it. */
export type RowRoute = (ordinal: number) => number;

/** Encoders with each field resolved to a column index of one file layout. */
export class BoundEncoders {
  readonly labelCol: number;
  private readonly vCol: Int32Array;
  private readonly vSlot: Int32Array;
  private readonly vTab: HashIdTable[];
  private readonly hCol: Int32Array;
  private readonly hSlot: Int32Array;
  private readonly hBuckets: Int32Array;
  private readonly bCol: Int32Array;
  private readonly bSlot: Int32Array;
  private readonly bFill: Float64Array;
  private readonly bTab: { idOfInt(v: number): number }[];
  /** Bucket field k's id of integer value v in [0, SMALL_INT) at k * SMALL_INT + v (-1: not yet known). */
  private readonly bSmall: Int32Array;
  private readonly dCol: Int32Array;
  private readonly dLog: Uint8Array;
  private readonly dFill: Float64Array;
  private readonly dShift: Float64Array;
  private readonly dScale: Float64Array;
  readonly nCat: number;
  readonly nDense: number;

  /**
   * `columns`: the file's column names. `requireLabel`: false for unlabeled files (labels are
   * then 0). Throws DataError when a feature or the label column is absent.
   */
  constructor(
    readonly encoders: Encoders,
    readonly columns: readonly string[],
    file: string,
    requireLabel = true,
  ) {
    const col = (name: string, what: string): number => {
      const i = columns.indexOf(name);
      if (i < 0)
        throw new DataError(
          file,
          1,
          0,
          `missing ${what} column '${name}' (columns: ${columns.slice(0, 50).join(', ')})`,
        );
      return i;
    };
    this.labelCol =
      encoders.label !== null && (requireLabel || columns.includes(encoders.label)) ? col(encoders.label, 'label') : -1;
    const cats = encoders.categorical;
    const v = cats.map((f, i) => [f, i] as const).filter(([f]) => f.encoder === 'vocab');
    const h = cats.map((f, i) => [f, i] as const).filter(([f]) => f.encoder === 'hash');
    const b = cats.map((f, i) => [f, i] as const).filter(([f]) => f.encoder === 'criteo_bucket');
    this.vCol = Int32Array.from(v, ([f]) => col(f.name, 'feature'));
    this.vSlot = Int32Array.from(v, ([, i]) => i);
    this.vTab = v.map(([f]) => (f.encoder === 'vocab' ? f.vocab.table : (null as never)));
    this.hCol = Int32Array.from(h, ([f]) => col(f.name, 'feature'));
    this.hSlot = Int32Array.from(h, ([, i]) => i);
    this.hBuckets = Int32Array.from(h, ([f]) => (f.encoder === 'hash' ? f.buckets : 0));
    this.bCol = Int32Array.from(b, ([f]) => col(f.name, 'feature'));
    this.bSlot = Int32Array.from(b, ([, i]) => i);
    this.bFill = Float64Array.from(b, ([f]) => (f.encoder === 'criteo_bucket' && f.fill !== null ? f.fill : NaN));
    this.bTab = b.map(([f]) => (f.encoder === 'criteo_bucket' ? f.vocab : (null as never)));
    this.bSmall = new Int32Array(b.length * SMALL_INT).fill(-1);
    const d = encoders.dense;
    this.dCol = Int32Array.from(d, (f) => col(f.name, 'feature'));
    this.dLog = Uint8Array.from(d, (f) => (f.transform === 'log1p' ? 1 : 0));
    this.dFill = Float64Array.from(d, (f) => f.fill);
    this.dShift = Float64Array.from(d, (f) => f.shift);
    this.dScale = Float64Array.from(d, (f) => f.scale);
    this.nCat = cats.length;
    this.nDense = d.length;
  }

  /**
   * Encodes the rows of `block` into `outs[route(ordinal)]` (all into outs[0] without a route).
   * Bad labels and unparsable numbers go to the bad-row policy; those rows are not written.
   */
  encodeBlock(block: RowBlock, outs: EncodedRows[], bad: BadRows, route?: RowRoute): void {
    const { buf, starts, ends, cols } = block;
    const nCat = this.nCat;
    const nDense = this.nDense;
    const {
      vCol,
      vSlot,
      vTab,
      hCol,
      hSlot,
      hBuckets,
      bCol,
      bSlot,
      bFill,
      bTab,
      bSmall,
      dCol,
      dLog,
      dFill,
      dShift,
      dScale,
      labelCol,
    } = this;
    for (const o of outs) o.reserve(block.rows);
    rows: for (let r = 0; r < block.rows; r++) {
      const o = route ? route(block.ordinals[r]) : 0;
      if (o < 0) continue;
      const out = outs[o];
      const w = out.rows;
      const base = r * cols;
      if (labelCol >= 0) {
        const s = starts[base + labelCol];
        const e = ends[base + labelCol];
        const y = parseLabel(buf, s, e);
        if (Number.isNaN(y)) {
          bad.report(
            block.file,
            block.lines[r],
            labelCol + 1,
            `label '${buf.toString('utf8', s, e)}' is not 0, 1, -1 or +1`,
            block.snippet(r),
          );
          continue;
        }
        out.labels[w] = y;
      } else out.labels[w] = 0;
      const ids = out.ids;
      const ib = w * nCat;
      for (let k = 0; k < vCol.length; k++) {
        const c = base + vCol[k];
        const s = starts[c];
        const e = ends[c];
        let id = MISSING_ID;
        if (s !== e) {
          const lo = hashBytes(buf, s, e);
          id = vTab[k].get(lo, hashHi);
          if (id < 0) id = OOV_ID;
        }
        ids[ib + vSlot[k]] = id;
      }
      for (let k = 0; k < hCol.length; k++) {
        const c = base + hCol[k];
        ids[ib + hSlot[k]] = hashBucketOfBytes(buf, starts[c], ends[c], hBuckets[k]);
      }
      for (let k = 0; k < bCol.length; k++) {
        const c = base + bCol[k];
        const s = starts[c];
        const e = ends[c];
        const v = s === e ? bFill[k] : parseNumber(buf, s, e);
        if (Number.isNaN(v)) {
          if (s === e) {
            ids[ib + bSlot[k]] = MISSING_ID;
            continue;
          }
          bad.report(
            block.file,
            block.lines[r],
            bCol[k] + 1,
            `unparsable number '${buf.toString('utf8', s, e)}'`,
            block.snippet(r),
          );
          continue rows;
        }
        // Small non-negative integers (most Criteo counts): id memoised per field, no log / lookup.
        const small = (v | 0) === v && v >= 0 && v < SMALL_INT ? k * SMALL_INT + v : -1;
        let id = small >= 0 ? bSmall[small] : -1;
        if (id < 0) {
          id = bTab[k].idOfInt(criteoBucket(v));
          if (small >= 0) bSmall[small] = id;
        }
        ids[ib + bSlot[k]] = id;
      }
      const dense = out.dense;
      const db = w * nDense;
      for (let k = 0; k < dCol.length; k++) {
        const c = base + dCol[k];
        const s = starts[c];
        const e = ends[c];
        let v = s === e ? dFill[k] : parseNumber(buf, s, e);
        if (Number.isNaN(v)) {
          bad.report(
            block.file,
            block.lines[r],
            dCol[k] + 1,
            `unparsable number '${buf.toString('utf8', s, e)}'`,
            block.snippet(r),
          );
          continue rows;
        }
        if (!fitsFloat32(v)) {
          bad.report(
            block.file,
            block.lines[r],
            dCol[k] + 1,
            `number '${buf.toString('utf8', s, e)}' is out of the float32 range (|x| <= 3.4e38)`,
            block.snippet(r),
          );
          continue rows;
        }
        if (dLog[k]) v = v < 0 ? -Math.log1p(-v) : Math.log1p(v);
        dense[db + k] = (v - dShift[k]) * dScale[k];
      }
      out.rows = w + 1;
    }
  }
}
