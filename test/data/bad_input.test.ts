import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BadRows } from '../../src/data/bad_rows.js';
import { parseDataConfig } from '../../src/data/config.js';
import { prepareData } from '../../src/data/pipeline.js';
import { DataError } from '../../src/util/errors.js';
import { criteoLine, fixture, readAll, tempDir } from './fixtures.js';
import { join } from 'node:path';

const features = {
  categorical: { C14: {}, C15: { encoder: 'hash', buckets: 10 } },
  numeric: { I1: {}, I2: { transform: 'criteo_bucket' } },
};
let k = 0;
const cfg = (train: string, extra: Record<string, unknown> = {}) =>
  parseDataConfig({
    dataset: { format: 'criteo_tsv', train, cache_dir: join(tempDir(), `bad${k++}`), ...extra },
    features,
  });

async function failsWith(file: string, re: RegExp, extra: Record<string, unknown> = {}): Promise<DataError> {
  try {
    await prepareData(cfg(file, extra));
  } catch (err) {
    assert.ok(err instanceof DataError, `expected DataError, got ${String(err)}`);
    assert.match(err.message, re);
    return err;
  }
  assert.fail('expected a DataError');
}

const good = [criteoLine('1'), criteoLine('0')];

test('wrong number of columns: file, line, column and snippet', async () => {
  const file = fixture([...good, criteoLine('1').split('\t').slice(0, 30).join('\t')].join('\n') + '\n');
  const e = await failsWith(file, /:3:31: expected 40 columns, found 30/);
  assert.equal(e.line, 3);
  assert.match(e.message, /\n {2}1\\t1\\t2/);
});

test('unparsable number names its column', async () => {
  const file = fixture([...good, criteoLine('0', { 1: '12x' })].join('\n'));
  const e = await failsWith(file, /:3:2: unparsable number '12x'/);
  assert.equal(e.column, 2);
});

test('label not in {0,1,-1,+1}', async () => {
  await failsWith(fixture([criteoLine('2'), ...good].join('\n')), /:1:1: label '2' is not 0, 1, -1 or \+1/);
  await failsWith(fixture([criteoLine(''), ...good].join('\n')), /:1:1: label '' is not/);
});

test('-1/+1 labels are read as 0/1', async () => {
  const d = await prepareData(cfg(fixture([criteoLine('+1'), criteoLine('-1')].join('\n'))));
  assert.deepEqual([...d.splits.train!.readAll().labels], [1, 0]);
});

test('empty file, header-only file', async () => {
  await failsWith(fixture(''), /file is empty/);
  await assert.rejects(readAll(fixture('a,b\n'), { format: 'csv' }), /:1: no data rows/);
});

test('missing label column in a header file', async () => {
  const file = fixture('x,C14\n1,a\n');
  await assert.rejects(
    prepareData(
      parseDataConfig({
        dataset: { format: 'csv', train: file, label: 'click', cache_dir: join(tempDir(), 'nolabel') },
        features: { categorical: { C14: {} } },
      }),
    ),
    /:1: missing label column 'click'/,
  );
});

test('invalid UTF-8 is reported with its column', async () => {
  const bytes = Buffer.concat([
    Buffer.from(criteoLine('1') + '\n' + criteoLine('0', { 15: 'ab' }).replace('ab', '')),
    Buffer.from([0xff, 0xfe]),
    Buffer.from('\n'),
  ]);
  // the bad bytes end the line, i.e. column 40 (C26)
  const e = await failsWith(fixture(bytes), /:2:40: invalid UTF-8/);
  assert.equal(e.line, 2);
});

test('--on-bad-row skip: skips, counts, keeps the first examples, never NaN', async () => {
  const lines = [
    criteoLine('1'),
    criteoLine('0', { 2: 'nan' }),
    'short\tline',
    criteoLine('7'),
    criteoLine('0', { 1: '' }),
  ];
  const d = await prepareData(cfg(fixture(lines.join('\n')), { on_bad_row: 'skip' }));
  assert.equal(d.badRows.count, 3);
  assert.deepEqual(
    d.badRows.examples.map((e) => e.line),
    [2, 3, 4],
  );
  assert.match(d.badRows.summary(), /bad rows: 3 skipped/);
  const all = d.splits.train!.readAll();
  assert.equal(all.rows, 2);
  assert.deepEqual([...all.labels], [1, 0]);
  assert.deepEqual([...all.dense], [1, 0]); // I1 = 1, then missing I1 -> fill 0
  assert.ok(all.dense.every((v) => Number.isFinite(v)));
});

test('BadRows error policy throws the DataError itself', () => {
  assert.throws(
    () => new BadRows('error').report('f.tsv', 4, 2, 'boom', 'snip'),
    /^DataError: f\.tsv:4:2: boom\n {2}snip$/,
  );
});
