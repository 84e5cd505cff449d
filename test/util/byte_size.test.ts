import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseByteSize } from '../../src/util/byte_size.js';

test('sizes as people write them: decimal and binary units, case-insensitive; anything else is null', () => {
  const cases: [string, number][] = [
    ['250000', 250000],
    ['1MB', 1e6],
    ['1mb', 1e6],
    ['500 KB', 5e5],
    ['1.5MiB', 1.5 * 2 ** 20],
    ['2GiB', 2 ** 31],
    ['3B', 3],
  ];
  for (const [text, n] of cases) assert.equal(parseByteSize(text), n, text);
  for (const bad of ['', 'MB', '1XB', '-1MB', '0', '1e6', '0.1B']) assert.equal(parseByteSize(bad), null, bad);
});
