/**
 * Categorical encoders. Vocabulary ids: 0 = OOV (rare or unseen), 1 = missing, 2.. = values
 * seen >= min_count times in training, most frequent first. Hash ids: 0 = missing,
 * 1..buckets = hash of the value's UTF-8 bytes. Criteo buckets reuse the vocabulary with
 * integer keys (see numeric.ts).
 */
import { HashIdTable, hashBytes, hashHi, hashString } from '../hash.js';

export const OOV_ID = 0;
export const MISSING_ID = 1;
/** High key lane used for integer (bucket) keys, so they never meet string hashes by design. */
const INT_KEY_HI = 0x5f3759df;

/** Counts values (by 64-bit hash of their bytes) during fitting; keeps one string per value. */
export class VocabCounter {
  readonly table = new HashIdTable(1024);
  readonly counts: number[] = [];
  readonly values: string[] = [];

  addBytes(buf: Buffer, s: number, e: number): void {
    const lo = hashBytes(buf, s, e);
    const hi = hashHi;
    const k = this.table.get(lo, hi);
    if (k >= 0) this.counts[k]++;
    else {
      this.table.set(lo, hi, this.counts.length);
      this.counts.push(1);
      this.values.push(buf.toString('utf8', s, e));
    }
  }

  addInt(v: number): void {
    const k = this.table.get(v, INT_KEY_HI);
    if (k >= 0) this.counts[k]++;
    else {
      this.table.set(v, INT_KEY_HI, this.counts.length);
      this.counts.push(1);
      this.values.push(String(v));
    }
  }

  /** Values with count >= minCount, most frequent first (ties by value, so fitting is deterministic). */
  kept(minCount: number): string[] {
    const idx: number[] = [];
    for (let i = 0; i < this.counts.length; i++) if (this.counts[i] >= minCount) idx.push(i);
    idx.sort(
      (a, b) =>
        this.counts[b] - this.counts[a] ||
        (this.values[a] < this.values[b] ? -1 : this.values[a] > this.values[b] ? 1 : 0),
    );
    return idx.map((i) => this.values[i]);
  }
}

/** value -> id lookup for a fitted vocabulary. */
export class Vocabulary {
  readonly table: HashIdTable;

  /** `intKeys`: values are integers (criteo buckets) looked up by number, not bytes. */
  constructor(
    readonly values: readonly string[],
    readonly intKeys = false,
  ) {
    this.table = new HashIdTable(values.length);
    values.forEach((v, i) => {
      if (intKeys) this.table.set(Number(v) | 0, INT_KEY_HI, i + 2);
      else {
        const lo = hashString(v);
        this.table.set(lo, hashHi, i + 2);
      }
    });
  }

  get size(): number {
    return this.values.length + 2;
  }

  idOfBytes(buf: Uint8Array, s: number, e: number): number {
    if (s === e) return MISSING_ID;
    const lo = hashBytes(buf, s, e);
    const v = this.table.get(lo, hashHi);
    return v < 0 ? OOV_ID : v;
  }

  idOfString(str: string): number {
    if (str === '') return MISSING_ID;
    const lo = hashString(str);
    const v = this.table.get(lo, hashHi);
    return v < 0 ? OOV_ID : v;
  }

  idOfInt(v: number): number {
    const id = this.table.get(v, INT_KEY_HI);
    return id < 0 ? OOV_ID : id;
  }
}

/** Hash id of the value buf[s, e) (0: missing), as the file readers and binary requests give it. */
export function hashBucketOfBytes(buf: Uint8Array, s: number, e: number, buckets: number): number {
  return s === e ? 0 : 1 + ((hashBytes(buf, s, e) >>> 0) % buckets);
}

/** Hash id of a string value: the same id as hashBucketOfBytes on its UTF-8 bytes. */
export function hashBucketOfString(str: string, buckets: number): number {
  if (str === '') return 0;
  return 1 + ((hashString(str) >>> 0) % buckets);
}
