import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { sharedDataDir } from '../../helpers.js';
import { readAll } from '../fixtures.js';
import { detectFormat } from '../../../src/data/formats/table.js';
import { BadRows } from '../../../src/data/bad_rows.js';

const shared = sharedDataDir();
const need = (t: { skip(msg: string): void }): string | null => {
  if (!shared) t.skip('shared data folder ../shared/data not found: skipping real-sample test');
  return shared;
};

test('Criteo Kaggle TSV (criteo_80k.tsv): first row, missing cells, row count', async (t) => {
  const d = need(t);
  if (!d) return;
  const file = join(d, 'criteo/criteo_80k.tsv');
  assert.deepEqual(await detectFormat(file), { format: 'criteo_tsv', header: false });
  const { columns, rows, lines } = await readAll(file, { format: 'criteo_tsv', chunkBytes: 1 << 16 });
  assert.equal(columns.length, 40);
  assert.equal(rows.length, 80000);
  assert.equal(lines[79999], 80000);
  const r = rows[0];
  assert.deepEqual(r.slice(0, 14), ['0', '1', '1', '5', '0', '1382', '4', '15', '2', '181', '1', '2', '', '2']);
  assert.equal(r[14], '00084738'); // C1
  assert.equal(r[35], ''); // C22 missing
  assert.equal(r[39], '000cf0a6'); // C26
  assert.deepEqual(rows[1].slice(0, 6), ['0', '2', '0', '44', '1', '102']);
  assert.equal(rows.filter((x) => x[0] === '1').length, 17958); // 22.45 % positives
});

test('Criteo Kaggle CSV with Id column; test file (its Label column is all 0, despite the README)', async (t) => {
  const d = need(t);
  if (!d) return;
  const train = join(d, 'criteo/formats/train.tiny.csv');
  assert.deepEqual(await detectFormat(train), { format: 'csv', header: true });
  const a = await readAll(train, { format: 'csv' });
  assert.deepEqual(a.columns.slice(0, 4), ['Id', 'Label', 'I1', 'I2']);
  assert.equal(a.rows.length, 1999);
  assert.deepEqual(a.rows[0].slice(0, 4), ['10000000', '0', '1', '1']);
  assert.equal(a.rows[0][13], ''); // I12
  assert.equal(a.rows[0][15], '68fd1e64'); // C1
  assert.equal(a.lines[0], 2);
  const b = await readAll(join(d, 'criteo/formats/test.tiny.csv'), { format: 'csv' });
  assert.equal(b.columns[1], 'Label');
  assert.equal(b.rows.length, 1999);
  assert.ok(b.rows.every((r) => r[1] === '0'));
  assert.deepEqual(b.rows[0].slice(0, 5), ['60000000', '0', '', '29', '50']);
});

test('CSV with floats written for integers (criteo_sample_header.csv)', async (t) => {
  const d = need(t);
  if (!d) return;
  const a = await readAll(join(d, 'criteo/formats/criteo_sample_header.csv'), { format: 'csv' });
  assert.equal(a.rows.length, 200);
  assert.deepEqual(a.rows[0].slice(0, 6), ['0', '', '3', '260.0', '', '17668.0']);
  assert.equal(a.rows[0][14], '05db9164');
});

test('Avazu CSV with header, and headerless test split', async (t) => {
  const d = need(t);
  if (!d) return;
  const a = await readAll(join(d, 'avazu/9k/train.csv'), { format: 'csv' });
  assert.equal(a.columns.length, 24);
  assert.equal(a.columns[1], 'click');
  assert.equal(a.rows.length, 8087);
  assert.deepEqual(a.rows[0].slice(0, 6), ['10000169349117863715', '0', '14102100', '1005', '0', '1fbe01fe']);
  assert.equal(a.rows[0][23], '79');
  const file = join(d, 'avazu/9k/test.csv');
  assert.deepEqual(await detectFormat(file), { format: 'csv', header: false });
  const b = await readAll(file, { format: 'csv', header: false, columns: a.columns });
  assert.equal(b.rows.length, 432);
  assert.equal(b.rows[0][0], '1000009418151094273');
});

test('libffm (small_train.txt): duplicate fields stop by default, multi_value first keeps the first', async (t) => {
  const d = need(t);
  if (!d) return;
  const file = join(d, 'criteo/formats/small_train.txt');
  assert.deepEqual(await detectFormat(file), { format: 'libffm', header: false });
  await assert.rejects(readAll(file, { format: 'libffm' }), /small_train\.txt:9:18: field 17 appears more than once/);
  const a = await readAll(file, { format: 'libffm', multiValue: 'first' });
  assert.equal(a.columns.length, 19); // label + f0..f17
  assert.equal(a.rows.length, 200);
  const r = a.rows[0];
  assert.equal(r[0], '1');
  assert.equal(r[1], '0'); // f0 index 0
  assert.equal(r[2], ''); // f1 absent
  assert.equal(r[3], '1163');
  assert.equal(r[18], '2434'); // f17
  assert.equal(r[17], '7755'); // f16
  assert.equal(a.rows.filter((x) => x[0] === '1').length, 48);
  const skip = new BadRows('skip');
  const s = await readAll(file, { format: 'libffm' }, skip);
  assert.equal(s.rows.length + skip.count, 200);
  assert.equal(skip.count, 20);
});
