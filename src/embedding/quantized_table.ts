/**
 * An embedding table stored quantized (src/tensor/quantize.ts: per row, 8 or 4 bits with a float32
 * scale and offset) in one block of the main kernel heap: the scales, then the offsets, then the
 * levels. Lookups gather with gather_rows_q, which dequantizes the rows it fetches, so the float
 * table never exists in memory. It serves inference only: it has no optimizer slots, and the
 * training paths (lookup with gradients, updates, random init) throw a TrainingError.
 */
import { CALL_GATHER_ROWS_Q } from '../kernels/protocol.js';
import { dequantizeRow, quantizeRows, type QuantizedRows, type RowBits } from '../tensor/quantize.js';
import { noteWeightsChanged } from '../tensor/tensor.js';
import { ShapeError, TrainingError } from '../util/errors.js';
import type { TableGroup } from './group.js';
import { EmbeddingTable } from './table.js';

export class QuantizedTable extends EmbeddingTable {
  /** Bytes per stored row of levels: dim (8 bits) or ceil(dim / 2) (4 bits). */
  readonly rowBytes: number;

  /** Bytes a rows x dim table takes at `bits` (levels, scales and offsets). */
  static bytesFor(rows: number, dim: number, bits: RowBits): number {
    if (bits !== 8 && bits !== 4) throw new ShapeError(`quantized tables hold 8 or 4 bits a value, not ${bits}`);
    return rows * (bits === 8 ? dim : Math.ceil(dim / 2)) + 8 * rows;
  }

  /** `ptr`: a block of bytesFor(rows, dim, bits) bytes in `group`, the main heap. */
  constructor(
    name: string,
    rows: number,
    dim: number,
    readonly bits: RowBits,
    private readonly group: TableGroup,
    private readonly ptr: number,
  ) {
    super(name, rows, dim, 0, []);
    if (!group.isMain) throw new Error(`internal: quantized table ${name} outside the main heap`);
    this.rowBytes = bits === 8 ? dim : Math.ceil(dim / 2);
  }

  override storedBytes(): number {
    return QuantizedTable.bytesFor(this.rows, this.dim, this.bits);
  }

  /** The stored rows as heap views (valid until the heap next grows). */
  private view(): QuantizedRows {
    const { rows, dim, bits, rowBytes, ptr } = this;
    const buffer = this.group.heap.buffer;
    return {
      bits,
      rows,
      dim,
      rowBytes,
      scale: new Float32Array(buffer, ptr, rows),
      offset: new Float32Array(buffer, ptr + 4 * rows, rows),
      data: new Uint8Array(buffer, ptr + 8 * rows, rows * rowBytes),
    };
  }

  private untrainable(): TrainingError {
    return new TrainingError(
      `embedding ${this.name} is stored in ${this.bits} bits and cannot be trained; fine-tune before quantizing`,
    );
  }

  override init(..._: Parameters<EmbeddingTable['init']>): never {
    throw this.untrainable();
  }

  override heapBlock(): null {
    return null; // levels, not float rows: see gatherCalls
  }

  override gatherCalls(idsPtr: number, idStride: number, n: number, outPtr: number, outStride: number): number[][] {
    const { rows, dim, bits, rowBytes, ptr } = this;
    return [
      [
        CALL_GATHER_ROWS_Q,
        ptr + 8 * rows,
        rowBytes,
        bits,
        dim,
        ptr,
        ptr + 4 * rows,
        idsPtr,
        idStride,
        n,
        outPtr,
        outStride,
      ],
    ];
  }

  override lookupCalls(..._: Parameters<EmbeddingTable['lookupCalls']>): never {
    throw this.untrainable();
  }

  override updateCalls(..._: Parameters<EmbeddingTable['updateCalls']>): never {
    throw this.untrainable();
  }

  /** Rows [start, end), dequantized (exactly dequantizeRows). */
  override readRows(start = 0, end = this.rows): Float32Array {
    this.checkRange(start, end);
    const q = this.view(),
      D = this.dim;
    const out = new Float32Array((end - start) * D);
    for (let r = start; r < end; r++) dequantizeRow(q, r, out.subarray((r - start) * D, (r - start + 1) * D));
    return out;
  }

  /** Quantizes `values` into rows [start, start + values.length / dim); other rows keep theirs. */
  override writeRows(values: Float32Array, start = 0): void {
    const n = values.length / this.dim;
    this.checkRange(start, start + n);
    const q = quantizeRows(values, n, this.dim, this.bits),
      stored = this.view();
    stored.data.set(q.data, start * this.rowBytes);
    stored.scale.set(q.scale, start);
    stored.offset.set(q.offset, start);
    noteWeightsChanged();
  }

  /** A copy of the stored levels, scales and offsets. */
  quantized(): QuantizedRows {
    const v = this.view();
    return { ...v, data: v.data.slice(), scale: v.scale.slice(), offset: v.offset.slice() };
  }

  /** Replaces every stored row with `q`'s. */
  load(q: QuantizedRows): void {
    if (q.rows !== this.rows || q.dim !== this.dim || q.bits !== this.bits)
      throw new ShapeError(
        `embedding ${this.name}: cannot load ${q.rows} x ${q.dim} rows of ${q.bits} bits into ${this.rows} x ${this.dim} of ${this.bits} bits`,
      );
    const stored = this.view();
    if (q.data.length !== stored.data.length || q.scale.length !== this.rows || q.offset.length !== this.rows)
      throw new ShapeError(`embedding ${this.name}: quantized rows hold the wrong number of bytes, scales or offsets`);
    stored.data.set(q.data);
    stored.scale.set(q.scale);
    stored.offset.set(q.offset);
    noteWeightsChanged();
  }

  override release(): void {
    this.clearPending();
    this.group.releaseTable(this.ptr, this.storedBytes());
  }

  private checkRange(start: number, end: number): void {
    if (!(Number.isInteger(start) && Number.isInteger(end) && start >= 0 && start <= end && end <= this.rows))
      throw new ShapeError(`embedding ${this.name}: rows ${start}..${end} are not within its ${this.rows} rows`);
  }
}
