/**
 * A minimal protobuf wire-format writer: varints, 32-bit floats, length-delimited bytes, strings
 * and nested messages. A message is a list of byte chunks, so nesting a large message (an
 * initializer of many megabytes) appends references instead of copying; `finish` copies once.
 */

const WIRE_VARINT = 0;
const WIRE_LEN = 2;
const WIRE_FIXED32 = 5;

const utf8 = new TextEncoder();

export class ProtoWriter {
  private readonly chunks: Uint8Array[] = [];
  private pending: number[] = [];
  private size = 0;

  /** Bytes written so far. */
  get length(): number {
    return this.size + this.pending.length;
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    this.chunks.push(Uint8Array.from(this.pending));
    this.size += this.pending.length;
    this.pending = [];
  }

  private pushChunk(c: Uint8Array): void {
    this.flush();
    if (c.byteLength === 0) return;
    this.chunks.push(c);
    this.size += c.byteLength;
  }

  /** Unsigned varint; negative integers are written as 64-bit two's complement (10 bytes), as int64 fields require. */
  private varint(v: number): void {
    if (!Number.isSafeInteger(v)) throw new RangeError(`protobuf: ${v} is not a safe integer`);
    if (v < 0) {
      let u = BigInt.asUintN(64, BigInt(v));
      while (u >= 0x80n) {
        this.pending.push(Number(u & 0x7fn) | 0x80);
        u >>= 7n;
      }
      this.pending.push(Number(u));
      return;
    }
    while (v >= 0x80) {
      this.pending.push((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    this.pending.push(v);
  }

  private tag(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }

  /** An int32/int64/enum/bool field (varint). */
  int(field: number, v: number): this {
    this.tag(field, WIRE_VARINT);
    this.varint(v);
    return this;
  }

  /** A float field (fixed 32-bit, little-endian). */
  float(field: number, v: number): this {
    this.tag(field, WIRE_FIXED32);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    this.pending.push(...b);
    return this;
  }

  /** A bytes field (not copied until `finish`). */
  bytes(field: number, data: Uint8Array): this {
    this.tag(field, WIRE_LEN);
    this.varint(data.byteLength);
    this.pushChunk(data);
    return this;
  }

  string(field: number, s: string): this {
    return this.bytes(field, utf8.encode(s));
  }

  /** A nested message field. */
  message(field: number, m: ProtoWriter): this {
    this.tag(field, WIRE_LEN);
    this.varint(m.length);
    m.flush();
    for (const c of m.chunks) this.pushChunk(c);
    return this;
  }

  /** The encoded message as one buffer. */
  finish(): Uint8Array {
    this.flush();
    const out = new Uint8Array(this.size);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.byteLength;
    }
    return out;
  }
}
