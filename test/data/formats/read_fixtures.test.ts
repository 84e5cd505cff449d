import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fixture, readAll } from '../fixtures.js';

test('gzip is detected by magic bytes and streamed', async () => {
  const text = 'a,b,c\n1,x,\n2,"y,z",q\n';
  const plain = await readAll(fixture(text, 'p.csv'), { format: 'csv' });
  const gz = await readAll(fixture(text, 'p.csv.gz', true), { format: 'csv' });
  assert.deepEqual(gz, plain);
  assert.deepEqual(plain.rows, [
    ['1', 'x', ''],
    ['2', 'y,z', 'q'],
  ]);
  assert.deepEqual(plain.lines, [2, 3]);
});

test('CSV quotes, CRLF, BOM, blank lines and a missing final newline', async () => {
  const text = '\ufeffid,name\r\n1,"say ""hi"""\r\n\r\n2,plain';
  const a = await readAll(fixture(text), { format: 'csv' });
  assert.deepEqual(a.columns, ['id', 'name']);
  assert.deepEqual(a.rows, [
    ['1', 'say "hi"'],
    ['2', 'plain'],
  ]);
  assert.deepEqual(a.lines, [2, 4]);
});

test('rows that span chunk boundaries are read whole', async () => {
  const lines = Array.from({ length: 500 }, (_, i) => `${i % 2}\t${i}\tv${i * 7}`);
  const a = await readAll(fixture(lines.join('\n') + '\n'), { format: 'tsv', header: false, chunkBytes: 64 });
  assert.equal(a.rows.length, 500);
  assert.deepEqual(a.rows[499], ['1', '499', 'v3493']);
  assert.deepEqual(a.columns, ['col1', 'col2', 'col3']);
});

test('libsvm: labels -1/+1, index columns, absent features are empty', async () => {
  const a = await readAll(fixture('+1 1:0.5 3:2\n-1 2:1e3\n0 3:-4 1:7\n'), { format: 'libsvm' });
  assert.deepEqual(a.columns, ['label', 'x0', 'x1', 'x2', 'x3']);
  assert.deepEqual(a.rows, [
    ['+1', '', '0.5', '', '2'],
    ['-1', '', '', '1e3', ''],
    ['0', '', '7', '', '-4'],
  ]);
});
