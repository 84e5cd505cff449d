import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as hash from '../../src/data/hash.js';

test('hashString gives hashBytes of the UTF-8 bytes, both lanes: ASCII (hashed from char codes), non-ASCII, mixed and empty', () => {
  const utf8 = new TextEncoder();
  const cases = [
    '',
    'a',
    '68fd1e64',
    '0'.repeat(300),
    'café',
    'é',
    '北京',
    'ab🙂cd',
    'x'.repeat(90) + 'ü',
    '\u007f\u0080',
  ];
  for (const s of cases) {
    const bytes = utf8.encode(s);
    const lo = hash.hashBytes(bytes, 0, bytes.length),
      hi = hash.hashHi;
    assert.equal(hash.hashString(s), lo, JSON.stringify(s));
    assert.equal(hash.hashHi, hi, `${JSON.stringify(s)}: high lane`);
  }
  assert.notEqual(hash.hashString('68fd1e64'), hash.hashString('68fd1e65'));
});
