/**
 * Where embedding tables live. Tables fill the main kernel heap up to a budget, then separate
 * table groups (one WebAssembly memory each); a table too big for the room left is split by row
 * range across groups. So tens of millions of ids with optimizer state (several GiB) work even
 * though each wasm32 memory tops out at 4 GiB.
 */
import { engine } from '../kernels/engine.js';
import { TableGroup } from './group.js';
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

  /** Bytes held by tables (weights and optimizer slots). */
  bytes(): number {
    return this.tables.reduce((s, t) => s + t.rows * t.stride * 4, 0);
  }
}
