/**
 * Stable 64-bit byte hashing (two 32-bit lanes) and an open-addressing table keyed by it.
 * Categorical values are looked up by the hash of their UTF-8 bytes, so the hot loop never
 * creates a JS string. The hash is part of the saved encoder format: do not change it.
 */
export const HASH_NAME = 'fnv1a-dual32-v1';

/** Second lane of the last hash computed (avoids allocating a pair per call). */
export let hashHi = 0;

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}

/** The two lanes' FNV-1a starting values and multipliers. */
const SEED_A = 0x811c9dc5 | 0,
  SEED_B = 0x2545f491 | 0,
  MUL_A = 16777619,
  MUL_B = 0x5bd1e995;

/** The lanes after `len` bytes, mixed: returns the low lane, sets `hashHi` to the high lane. */
function finish(a: number, b: number, len: number): number {
  hashHi = fmix(b ^ len ^ 0x27d4eb2f);
  return fmix(a ^ len);
}

/** Hashes buf[start, end); returns the low lane, sets `hashHi` to the high lane. */
export function hashBytes(buf: Uint8Array, start: number, end: number): number {
  let a = SEED_A;
  let b = SEED_B;
  for (let i = start; i < end; i++) {
    const c = buf[i];
    a = Math.imul(a ^ c, MUL_A);
    b = Math.imul(b ^ c, MUL_B);
  }
  return finish(a, b, end - start);
}

const enc = new TextEncoder();
/** Reused UTF-8 scratch for hashString (no allocation per value: the server encodes every request cell). */
let scratch = new Uint8Array(256);
/** Hash of a JS string's UTF-8 bytes (same value as hashBytes on the encoded bytes). */
export function hashString(s: string): number {
  // ASCII (every Criteo-style value): the UTF-8 bytes are the char codes, hashed without encoding.
  let a = SEED_A;
  let b = SEED_B;
  let i = 0;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0x7f) break;
    a = Math.imul(a ^ c, MUL_A);
    b = Math.imul(b ^ c, MUL_B);
  }
  if (i === s.length) return finish(a, b, i);
  if (s.length * 3 > scratch.length) scratch = new Uint8Array(s.length * 3);
  const { written } = enc.encodeInto(s, scratch);
  return hashBytes(scratch, 0, written);
}

/**
 * Maps 64-bit keys (lo, hi) to non-negative int32 values. Linear probing, grows at 50% load.
 * No per-entry objects: one typed array of [lo, hi, value, unused] slots, so a probe touches one
 * cache line (value -1 marks an empty slot).
 */
export class HashIdTable {
  private slots: Int32Array;
  private mask: number;
  size = 0;

  constructor(capacity = 1024) {
    let cap = 16;
    while (cap < capacity * 2) cap *= 2;
    this.slots = HashIdTable.empty(cap);
    this.mask = cap - 1;
  }

  private static empty(cap: number): Int32Array {
    const s = new Int32Array(cap * 4);
    for (let i = 2; i < s.length; i += 4) s[i] = -1;
    return s;
  }

  /** The slot offset holding (lo, hi), or the empty slot where it would go. */
  private slotOf(lo: number, hi: number): number {
    const mask = this.mask,
      s = this.slots;
    let i = (lo ^ Math.imul(hi, 0x9e3779b1)) & mask;
    for (;;) {
      const o = i << 2;
      if (s[o + 2] < 0 || (s[o] === lo && s[o + 1] === hi)) return o;
      i = (i + 1) & mask;
    }
  }

  /** The value stored for (lo, hi), or -1. */
  get(lo: number, hi: number): number {
    return this.slots[this.slotOf(lo, hi) + 2];
  }

  /** Stores value (>= 0) for (lo, hi), replacing any previous value. */
  set(lo: number, hi: number, value: number): void {
    if ((this.size + 1) * 2 > this.mask + 1) this.grow();
    const s = this.slots,
      o = this.slotOf(lo, hi);
    if (s[o + 2] < 0) {
      s[o] = lo;
      s[o + 1] = hi;
      this.size++;
    }
    s[o + 2] = value;
  }

  private grow(): void {
    const old = this.slots;
    const cap = (this.mask + 1) * 2;
    this.slots = HashIdTable.empty(cap);
    this.mask = cap - 1;
    this.size = 0;
    for (let o = 0; o < old.length; o += 4) if (old[o + 2] >= 0) this.set(old[o], old[o + 1], old[o + 2]);
  }
}

/** Deterministic uniform [0,1) from (seed, index): used for ratio splits and synth. */
export function unitHash(seed: number, index: number): number {
  const lo = (index % 4294967296) | 0;
  const hi = Math.floor(index / 4294967296) | 0;
  let h = fmix(lo ^ Math.imul(seed | 0, 0x9e3779b1));
  h = fmix(h ^ hi ^ 0x632be5ab);
  return (h >>> 0) / 4294967296;
}
