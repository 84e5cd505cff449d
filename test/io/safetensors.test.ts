import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeSafetensors, type Tensor } from '../../src/io/safetensors.js';
import {
  readSafetensors,
  readSafetensorsHeader,
  serializeSafetensors,
  writeSafetensors,
} from '../../src/io/safetensors_file.js';
import { ModelFileError, ShapeError } from '../../src/util/errors.js';

/** Builds a file by hand, following the spec, from a header object and raw data bytes. */
function handmade(header: unknown, data: Uint8Array | number[] = [], headerText?: string): Buffer {
  const json = Buffer.from(headerText ?? JSON.stringify(header), 'utf8');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([len, json, Buffer.from(data)]);
}

function sample(): Map<string, Tensor> {
  return new Map<string, Tensor>([
    ['ids', { dtype: 'U8', shape: [3], data: new Uint8Array([1, 2, 255]) }],
    ['emb.weight', { dtype: 'F32', shape: [2, 3], data: new Float32Array([0.5, -1, 2, 3.25, 1e-8, -0]) }],
    ['scale', { dtype: 'F64', shape: [], data: new Float64Array([Math.PI]) }],
    ['count', { dtype: 'I64', shape: [2], data: new BigInt64Array([-5n, 1n << 40n]) }],
    ['idx', { dtype: 'I32', shape: [2, 2], data: new Int32Array([-1, 0, 7, 2 ** 31 - 1]) }],
    ['empty', { dtype: 'F32', shape: [0, 4], data: new Float32Array(0) }],
  ]);
}

function expectCorrupt(bytes: Uint8Array, pattern: RegExp): void {
  assert.throws(
    () => decodeSafetensors(bytes, 'm.safetensors'),
    (err: unknown) =>
      err instanceof ModelFileError && /^m\.safetensors: /.test(err.message) && pattern.test(err.message),
  );
}

test('round trip keeps names, order, dtypes, shapes, values and metadata', () => {
  const input = sample();
  const bytes = serializeSafetensors(input, { note: 'hi', format: 'pt' });
  const out = decodeSafetensors(bytes);
  assert.deepEqual([...out.tensors.keys()], [...input.keys()]);
  for (const [name, t] of input) {
    const got = out.tensors.get(name)!;
    assert.equal(got.dtype, t.dtype, name);
    assert.deepEqual(got.shape, t.shape, name);
    assert.equal(got.data.constructor, t.data.constructor, name);
    assert.deepEqual([...got.data], [...t.data], name);
  }
  assert.ok(Object.is(out.tensors.get('emb.weight')!.data[5], -0));
  assert.deepEqual(out.metadata, { note: 'hi', format: 'pt' });
});

test('layout follows the spec: u64 LE length, space-padded JSON, aligned packed data', () => {
  const bytes = serializeSafetensors(sample(), { a: 'b' });
  const n = Number(bytes.readBigUInt64LE(0));
  assert.equal((8 + n) % 8, 0, 'data region starts 8-byte aligned');
  const text = bytes.subarray(8, 8 + n).toString('utf8');
  assert.match(text, /^\{.*\} *$/);
  const header = JSON.parse(text);
  assert.deepEqual(header.__metadata__, { a: 'b' });
  assert.deepEqual(header['emb.weight'], {
    dtype: 'F32',
    shape: [2, 3],
    data_offsets: header['emb.weight'].data_offsets,
  });
  // every tensor starts aligned to its element size and the data is packed with no holes
  const ranges = Object.entries(header)
    .filter(([k]) => k !== '__metadata__')
    .map(([, v]) => (v as { data_offsets: [number, number] }).data_offsets)
    .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let pos = 0;
  for (const [b, e] of ranges) {
    assert.equal(b, pos);
    pos = e;
  }
  assert.equal(pos, bytes.length - 8 - n);
  const [b] = header['emb.weight'].data_offsets;
  assert.equal(bytes.readFloatLE(8 + n + b + 4 * 3), 3.25);
  const [c] = header.count.data_offsets;
  assert.equal(bytes.readBigInt64LE(8 + n + c + 8), 1n << 40n);
});

test('aligned tensors are zero-copy views, unaligned ones are copied', () => {
  const bytes = serializeSafetensors(sample());
  const out = decodeSafetensors(bytes);
  assert.equal(out.tensors.get('emb.weight')!.data.buffer, bytes.buffer);
  // hand-made file: a 1-byte U8 first puts the F32 at an odd offset
  const data = Buffer.alloc(9);
  data[0] = 9;
  data.writeFloatLE(1.5, 1);
  data.writeFloatLE(-2, 5);
  const header = {
    a: { dtype: 'U8', shape: [1], data_offsets: [0, 1] },
    b: { dtype: 'F32', shape: [2], data_offsets: [1, 9] },
  };
  const file = handmade(header, data, JSON.stringify(header).padEnd(120, ' '));
  const read = decodeSafetensors(file);
  const b = read.tensors.get('b')!;
  assert.notEqual(b.data.buffer, file.buffer);
  assert.deepEqual([...b.data], [1.5, -2]);
  assert.deepEqual([...read.tensors.get('a')!.data], [9]);
});

test('files on disk: write atomically, read whole or header only', () => {
  const dir = mkdtempSync(join(tmpdir(), 'slimctr-st-'));
  try {
    const p = join(dir, 'x.safetensors');
    writeSafetensors(p, sample(), { k: 'v' });
    const full = readSafetensors(p);
    assert.deepEqual([...full.tensors.get('idx')!.data], [-1, 0, 7, 2 ** 31 - 1]);
    const head = readSafetensorsHeader(p);
    assert.equal(head.dataStart, full.dataStart);
    assert.deepEqual(head.metadata, { k: 'v' });
    assert.deepEqual(
      head.entries.map((e) => e.name),
      [...sample().keys()],
    );
    writeFileSync(p, Buffer.from([1, 2, 3]));
    assert.throws(() => readSafetensorsHeader(p), /x\.safetensors: truncated: 3 bytes/);
    assert.throws(() => readSafetensors(p), ModelFileError);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('truncated files are ModelFileErrors that say so', () => {
  const bytes = serializeSafetensors(sample());
  expectCorrupt(bytes.subarray(0, 5), /truncated: 5 bytes/);
  expectCorrupt(bytes.subarray(0, 20), /truncated or corrupt: header length \d+ but only 12 bytes/);
  expectCorrupt(bytes.subarray(0, bytes.length - 3), /truncated or corrupt: tensor .* ends at data byte/);
  const huge = Buffer.alloc(16);
  huge.writeBigUInt64LE(1n << 62n);
  expectCorrupt(huge, /header length \d+ is over the/);
});

test('corrupt headers are rejected with the reason', () => {
  const f32 = { dtype: 'F32', shape: [2], data_offsets: [0, 8] };
  const eight = new Uint8Array(8);
  expectCorrupt(handmade(null, eight, '{"a": {"dtype": "F32", '), /not valid JSON/);
  expectCorrupt(handmade(null, [], '[]      '), /must start with '\{'/);
  expectCorrupt(handmade(null, [], '{"a":"\xff"}'.replace('\xff', '\uFFFF')).fill(0xff, 14, 15), /not valid UTF-8/);
  expectCorrupt(handmade({ a: { ...f32, dtype: 'F17' } }, eight), /unknown dtype "F17"/);
  expectCorrupt(handmade({ a: { ...f32, shape: [2.5] } }, eight), /shape must be a list of non-negative integers/);
  expectCorrupt(handmade({ a: { ...f32, shape: [-2] } }, eight), /shape must be/);
  expectCorrupt(handmade({ a: { ...f32, data_offsets: [8, 0] } }, eight), /data_offsets must be/);
  expectCorrupt(
    handmade({ a: { ...f32, shape: [3] } }, eight),
    /F32 \[3\] needs 12 bytes but data_offsets \[0, 8\] span 8/,
  );
  expectCorrupt(handmade({ a: 5 }, eight), /must be an object/);
  expectCorrupt(handmade({ __metadata__: { x: 1 }, a: f32 }, eight), /__metadata__\.x must be a string/);
  expectCorrupt(
    handmade({ a: f32, b: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, new Uint8Array(8)),
    /overlaps/,
  );
  expectCorrupt(
    handmade({ a: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, eight),
    /hole in the data region: bytes \[0, 4\)/,
  );
  expectCorrupt(handmade({ a: f32 }, new Uint8Array(12)), /4 trailing bytes after the last tensor/);
  // a valid hand-made file decodes, so the cases above fail for the reason given
  const ok = decodeSafetensors(handmade({ a: f32 }, new Uint8Array(new Float32Array([1, 2]).buffer)));
  assert.deepEqual([...ok.tensors.get('a')!.data], [1, 2]);
});

test('the writer refuses tensors whose data does not fit dtype and shape', () => {
  const bad =
    (t: Tensor, name = 't') =>
    () =>
      serializeSafetensors(new Map([[name, t]]));
  assert.throws(bad({ dtype: 'F32', shape: [3], data: new Float32Array(2) }), ShapeError);
  assert.throws(bad({ dtype: 'F32', shape: [2], data: new Float64Array(2) }), /needs a Float32Array, got Float64Array/);
  assert.throws(bad({ dtype: 'F32', shape: [1], data: new Float32Array(1) }, '__metadata__'), /reserved/);
  assert.throws(bad({ dtype: 'X' as 'F32', shape: [1], data: new Float32Array(1) }), /unknown dtype/);
});
