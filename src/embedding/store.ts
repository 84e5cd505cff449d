/**
 * Where embedding tables live. Tables fill the main kernel heap up to a budget, then separate
 * table groups (one WebAssembly memory each); a table too big for the room left is split by row
 * range across groups. So tens of millions of ids with optimizer state (several GiB) work even
 * though each wasm32 memory tops out at 4 GiB.
 */
import { engine } from '../kernels/engine.js';
import { quantizeRows, type RowBits } from '../tensor/quantize.js';
import { ResourceError } from '../util/errors.js';
import { TableGroup } from './group.js';
import { QuantizedTable } from './quantized_table.js';
import { EmbeddingTable, type Shard } from './table.js';

export interface StoreOptions {
  /** Bytes of the main heap that tables may use (default 1 GiB). */
  mainBudget?: number;
  /** Size of each further group's memory (default 3.5 GiB; tests force it small). */
  groupBytes?: number;
  /** Bytes kept free per group for staging a batch's ids and rows (default 64 MiB). */
  stagingBytes?: number;
}

export class EmbeddingStore {
  readonly groups: TableGroup[] = [];
  readonly tables: EmbeddingTable[] = [];
  private readonly groupBytes: number;
  private readonly staging: number | undefined;

  constructor(opts: StoreOptions = {}) {
    this.groupBytes = opts.groupBytes ?? 3.5 * 2 ** 30;
    this.staging = opts.stagingBytes;
    this.groups.push(TableGroup.main(engine(), opts.mainBudget ?? 2 ** 30));
  }

  /** A new zero-filled table; `slots` optimizer slots per row (0 SGD, 1 Adagrad, 2 Adam). */
  create(name: string, rows: number, dim: number, slots: number): EmbeddingTable {
    const rowBytes = dim * (1 + slots) * 4;
    const shards: Shard[] = [];
    let lo = 0;
    while (lo < rows) {
      let group = this.groups[this.groups.length - 1];
      let fit = group.rowsThatFit(rowBytes);
      if (fit === 0) {
        group = TableGroup.separate(engine(), this.groupBytes, this.staging);
        fit = group.rowsThatFit(rowBytes);
        if (fit === 0)
          throw new Error(
            `internal: embedding ${name}: a ${rowBytes}-byte row does not fit a ${this.groupBytes}-byte group`,
          );
        this.groups.push(group);
      }
      const n = Math.min(fit, rows - lo);
      const ptr = group.allocTable(n * rowBytes);
      group.f32(ptr, (n * rowBytes) / 4).fill(0); // recycled heap blocks are not zero
      shards.push({ group, lo, hi: lo + n, ptr });
      lo += n;
    }
    const table = new EmbeddingTable(name, rows, dim, slots, shards);
    this.tables.push(table);
    return table;
  }

  /** A new quantized table in the main heap, every level, scale and offset 0 (so every row reads 0). */
  createQuantized(name: string, rows: number, dim: number, bits: RowBits): QuantizedTable {
    const table = this.allocQuantized(name, rows, dim, bits);
    this.tables.push(table);
    return table;
  }

  /**
   * Replaces `table` by a quantized copy of its rows (same name, same place in `tables`) and frees
   * the float table's storage. Returns the new table; the old one must not be used after.
   */
  quantize(table: EmbeddingTable, bits: RowBits): QuantizedTable {
    const at = this.tables.indexOf(table);
    if (at < 0) throw new Error(`internal: embedding ${table.name} is not in this store`);
    const rows = quantizeRows(table.readRows(), table.rows, table.dim, bits);
    const q = this.allocQuantized(table.name, table.rows, table.dim, bits);
    q.load(rows);
    table.release();
    this.tables[at] = q;
    return q;
  }

  private allocQuantized(name: string, rows: number, dim: number, bits: RowBits): QuantizedTable {
    const main = this.groups[0],
      bytes = QuantizedTable.bytesFor(rows, dim, bits);
    if (bytes > main.room())
      throw new ResourceError(
        `embedding ${name}: ${bits}-bit storage needs ${bytes} bytes of the main kernel heap, ${main.room()} are free for tables`,
      );
    const ptr = main.allocTable(bytes);
    new Uint8Array(main.heap.buffer, ptr, bytes).fill(0); // recycled heap blocks are not zero
    return new QuantizedTable(name, rows, dim, bits, main, ptr);
  }

  /** Bytes held by tables (weights and optimizer slots; quantized tables at their stored size). */
  bytes(): number {
    return this.tables.reduce((s, t) => s + t.storedBytes(), 0);
  }
}
