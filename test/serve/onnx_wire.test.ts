import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProtoWriter } from '../../src/serve/onnx/wire.js';

test('protobuf wire format: varints (incl. negative int64), floats, strings and nested message lengths', () => {
  assert.deepEqual([...new ProtoWriter().int(1, 300).finish()], [0x08, 0xac, 0x02]);
  assert.deepEqual([...new ProtoWriter().int(2, 2 ** 40).finish()], [0x10, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20]);
  // int64 -1: ten bytes of two's complement.
  assert.deepEqual([...new ProtoWriter().int(3, -1).finish()], [0x18, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
  assert.deepEqual([...new ProtoWriter().float(2, 1).finish()], [0x15, 0x00, 0x00, 0x80, 0x3f]);
  assert.deepEqual([...new ProtoWriter().string(4, 'hé').finish()], [0x22, 3, 0x68, 0xc3, 0xa9]);
  const inner = new ProtoWriter().bytes(9, new Uint8Array(200));
  const outer = new ProtoWriter().message(7, inner).int(1, 8).finish();
  // 200 bytes + tag + 2-byte length = 203 inside; outer: tag, 2-byte length 203, body, then field 1.
  assert.deepEqual([...outer.subarray(0, 6)], [0x3a, 0xcb, 0x01, 0x4a, 0xc8, 0x01]);
  assert.equal(outer.length, 1 + 2 + 203 + 2);
  assert.deepEqual([...outer.subarray(-2)], [0x08, 0x08]);
  assert.throws(() => new ProtoWriter().int(1, 0.5), RangeError);
});
