import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openSync, writeSync, closeSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { parseDataConfig } from '../../src/data/config.js';
import { prepareData } from '../../src/data/pipeline.js';
import { criteoLine, fixture, tempDir } from './fixtures.js';

const lines = Array.from({ length: 1000 }, (_, i) =>
  criteoLine(String(i % 3 === 0 ? 1 : 0), { 1: String(i), 14: `v${i % 17}` }),
);
const file = fixture(lines.join('\n') + '\n', 'p.tsv');
const features = { categorical: { C14: { min_count: 1 } }, numeric: { I1: {} } };
const cfg = (split: unknown, dir: string) =>
  parseDataConfig({ dataset: { format: 'criteo_tsv', train: file, split, cache_dir: join(tempDir(), dir) }, features });

test('split by row ranges keeps file order; encoders fit on train rows only', async () => {
  const d = await prepareData(cfg({ by: 'rows', train: '1-600', validation: '601-800', test: '801-' }, 'rows'));
  assert.equal(d.splits.train!.rows, 600);
  assert.equal(d.splits.validation!.rows, 200);
  assert.equal(d.splits.test!.rows, 200);
  assert.deepEqual([...d.splits.validation!.readAll().dense.subarray(0, 3)], [600, 601, 602]); // I1 = i
  assert.equal(d.splits.train!.manifest.positives, 200);
});

test('split by ratio is deterministic by seed', async () => {
  const a = await prepareData(cfg({ by: 'ratio', train: 0.8, validation: 0.2, seed: 7 }, 'ra'));
  const b = await prepareData(cfg({ by: 'ratio', train: 0.8, validation: 0.2, seed: 7 }, 'rb'));
  const c = await prepareData(cfg({ by: 'ratio', train: 0.8, validation: 0.2, seed: 8 }, 'rc'));
  assert.equal(a.splits.train!.rows + a.splits.validation!.rows, 1000);
  assert.ok(Math.abs(a.splits.validation!.rows - 200) < 50);
  assert.deepEqual(a.splits.validation!.readAll().dense, b.splits.validation!.readAll().dense);
  assert.notDeepEqual(a.splits.validation!.readAll().dense, c.splits.validation!.readAll().dense);
});

test('cache: reused when fresh, rebuilt when corrupt or when the source changes', async () => {
  const logs: string[] = [];
  const c = cfg(undefined, 'cache');
  const first = await prepareData(c, { log: (m) => logs.push(m) });
  assert.equal(first.rebuilt, true);
  const again = await prepareData(c, { log: (m) => logs.push(m) });
  assert.equal(again.rebuilt, false);
  assert.deepEqual(again.splits.train!.readAll(), first.splits.train!.readAll());
  // Corrupt one byte of the ids: detected by the content hash, rebuilt.
  const fd = openSync(join(first.cacheDir, 'train', 'ids.i32'), 'r+');
  writeSync(fd, Buffer.from([0x7f]), 0, 1, 8);
  closeSync(fd);
  const fixed = await prepareData(c, { log: (m) => logs.push(m) });
  assert.equal(fixed.rebuilt, true);
  assert.ok(logs.some((m) => /corrupt/.test(m)));
  assert.deepEqual(fixed.splits.train!.readAll(), first.splits.train!.readAll());
  // Touching the source changes the key: stale, refit and rebuilt.
  utimesSync(file, new Date(), new Date(Date.now() + 5000));
  const stale = await prepareData(c);
  assert.equal(stale.rebuilt, true);
});

test('batches: full coverage, deterministic shuffle by seed, file order without shuffle', async () => {
  const d = await prepareData(cfg(undefined, 'batches'));
  const split = d.splits.train!;
  const plain = Array.from({ length: 1000 }, (_, i) => i);
  for (const shuffle of ['full', 'buffer'] as const) {
    const epoch = (seed: number, batchSize = 64) => {
      const out: number[] = [];
      for (const b of split.batches({ batchSize, chunkRows: 256, shuffle, seed, bufferRows: 200 })) {
        assert.equal(b.ids.length, b.rows * 1);
        assert.equal(b.dense.length, b.rows);
        assert.equal(b.labels.length, b.rows);
        out.push(...b.dense);
      }
      return out;
    };
    for (const bs of [64, 100, 1000]) {
      const s1 = epoch(1, bs);
      assert.deepEqual(epoch(1, bs), s1, `${shuffle} ${bs}: same seed, same order`);
      assert.notDeepEqual(epoch(2, bs), s1);
      assert.notDeepEqual(s1, plain);
      assert.deepEqual(
        [...s1].sort((x, y) => x - y),
        plain,
        `${shuffle} ${bs}: every row once`,
      );
    }
  }
  const inOrder: number[] = [];
  for (const b of split.batches({ batchSize: 64, chunkRows: 256 })) inOrder.push(...b.dense);
  assert.deepEqual(inOrder, plain);
  const sizes = [...split.batches({ batchSize: 300, dropLast: true })].map((b) => b.rows);
  assert.deepEqual(sizes, [300, 300, 300]);
  for (const shuffle of ['full', 'buffer'] as const) {
    assert.deepEqual(
      [...split.batches({ batchSize: 300, dropLast: true, shuffle, bufferRows: 400 })].map((b) => b.rows),
      [300, 300, 300],
    );
  }
  assert.equal(split.resolveShuffle('auto', split.bytes), 'full');
  assert.equal(split.resolveShuffle('auto', split.bytes - 1), 'buffer');
});

/** How far apart (in file order) the rows of a batch lie: near 0 for runs of neighbours, near 1/3 when uniform. */
function meanGap(epoch: number[], batchSize: number, rows: number): number {
  let sum = 0,
    n = 0;
  for (let b = 0; b + batchSize <= epoch.length; b += batchSize) {
    for (let i = b + 1; i < b + batchSize; i++) {
      sum += Math.abs(epoch[i] - epoch[i - 1]) / rows;
      n++;
    }
  }
  return sum / n;
}

test('the full shuffle is uniform: batches mix rows from the whole split, not runs of neighbours', async () => {
  // 8192 rows: enough for runs of 64 consecutive rows, what batches were made of before training.shuffle.
  const rows = 8192;
  const csv = fixture(`label,x\n${Array.from({ length: rows }, (_, i) => `${i % 2},${i}`).join('\n')}\n`, 'order.csv');
  const d = await prepareData(
    parseDataConfig({
      dataset: { train: csv, cache_dir: join(tempDir(), 'uniform') },
      features: { numeric: { x: null } },
    }),
  );
  const split = d.splits.train!;
  const epoch = (shuffle: 'full' | 'buffer', seed: number, bufferRows?: number) => {
    const out: number[] = [];
    for (const b of split.batches({ batchSize: 64, shuffle, seed, bufferRows })) out.push(...b.dense);
    return out;
  };
  assert.deepEqual(
    [...epoch('full', 3)].sort((x, y) => x - y),
    Array.from({ length: rows }, (_, i) => i),
  );
  // Consecutive rows of a uniform permutation are |U1 - U2| apart: 1/3 of the split on average.
  const gap = meanGap(epoch('full', 3), 64, rows);
  assert.ok(gap > 0.3 && gap < 0.37, `mean gap ${gap}`);
  // Row 0 lands anywhere: over 100 seeds its mean position is near the middle.
  let pos = 0;
  for (let s = 0; s < 100; s++) pos += epoch('full', s).indexOf(0);
  assert.ok(Math.abs(pos / 100 - rows / 2) < rows * 0.12, `mean position of row 0: ${pos / 100}`);
  // A buffer as large as the split shuffles uniformly too; a small one keeps rows nearer their place.
  const wide = meanGap(epoch('buffer', 3, rows), 64, rows);
  assert.ok(wide > 0.3 && wide < 0.37, `buffer of all rows: mean gap ${wide}`);
  assert.ok(meanGap(epoch('buffer', 3, 512), 64, rows) < wide);
});

test('Avazu layout: training file split by rows, test from two headerless files, columns from the training header', async () => {
  const row = (i: number) => `${i},${i % 4 === 0 ? 1 : 0},s${i % 5},a${i % 3}`;
  const train = fixture(
    ['id,click,site,app', ...Array.from({ length: 100 }, (_, i) => row(i))].join('\n') + '\n',
    'av_train.csv',
  );
  const dev = fixture(Array.from({ length: 7 }, (_, i) => row(100 + i)).join('\n') + '\n', 'av_dev.csv');
  const tst = fixture(Array.from({ length: 5 }, (_, i) => row(200 + i)).join('\n') + '\n', 'av_test.csv');
  const c = parseDataConfig({
    dataset: {
      train,
      test: [dev, tst],
      label: 'click',
      split: { by: 'rows', train: '1-90', validation: '91-' },
      cache_dir: join(tempDir(), 'avazu'),
    },
    features: { categorical: { site: null, app: null } },
  });
  const d = await prepareData(c);
  assert.equal(d.splits.train!.rows, 90);
  assert.equal(d.splits.validation!.rows, 10);
  assert.equal(d.splits.test!.rows, 12);
  // Rows 100..106 then 200..204: labels 1 at multiples of 4.
  const labels = [...d.splits.test!.readAll().labels];
  assert.deepEqual(
    labels,
    [100, 101, 102, 103, 104, 105, 106, 200, 201, 202, 203, 204].map((i) => (i % 4 === 0 ? 1 : 0)),
  );
});

test('a split part given both by split and by file is a config error naming the key', () => {
  assert.throws(
    () =>
      parseDataConfig({
        dataset: { train: file, test: file, split: { by: 'rows', train: '1-10', test: '11-' } },
        features,
      }),
    /dataset\.test.*split/,
  );
});
