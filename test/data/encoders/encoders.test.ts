import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { parseDataConfig } from '../../../src/data/config.js';
import { Encoders } from '../../../src/data/encoders/encoders.js';
import { criteoBucket } from '../../../src/data/encoders/numeric.js';
import { prepareData } from '../../../src/data/pipeline.js';
import { fixture, tempDir } from '../fixtures.js';

const csv = 'label,cat,h,num,cnt,lg\n1,a,x,1,1,-1\n0,a,y,3,3,0\n1,b,,,,\n0,c,x,10,10,3\n';
const features = {
  categorical: { cat: { min_count: 2 }, h: { encoder: 'hash', buckets: 5 } },
  numeric: {
    num: { transform: 'minmax' },
    cnt: { transform: 'criteo_bucket' },
    lg: { transform: 'log1p', fill: 'mean' },
  },
};

async function fitted(): Promise<{
  enc: Encoders;
  rows: ReturnType<NonNullable<Awaited<ReturnType<typeof prepareData>>['splits']['train']>['readAll']>;
}> {
  const cfg = parseDataConfig({
    dataset: { format: 'csv', train: fixture(csv, 'e.csv'), cache_dir: join(tempDir(), `enc${Math.random()}`) },
    features,
  });
  const d = await prepareData(cfg);
  return { enc: d.encoders, rows: d.splits.train!.readAll() };
}

test('criteo bucketing: v > 2 -> floor(ln(v)^2), else trunc(v)', () => {
  assert.deepEqual([-3, -1, 0, 1, 1.9, 2, 3, 10, 1382].map(criteoBucket), [-3, -1, 0, 1, 1, 2, 1, 5, 52]);
});

test('fitted encoders: vocab with min_count, OOV and missing ids, hash buckets, numeric transforms', async () => {
  const { enc, rows } = await fitted();
  assert.deepEqual(enc.inputColumns, ['cat', 'h', 'cnt', 'num', 'lg']);
  // cat: only 'a' reaches min_count 2 -> id 2; b, c -> OOV 0. cnt buckets: 1 (x2) -> 2, 5 -> 3; missing -> 1.
  assert.deepEqual(enc.vocabSizes, [3, 6, 4]);
  const ids = [...rows.ids];
  assert.deepEqual([ids[0], ids[3], ids[6], ids[9]], [2, 2, 0, 0]);
  assert.deepEqual([ids[2], ids[5], ids[8], ids[11]], [2, 2, 1, 3]);
  assert.equal(ids[7], 0); // h missing -> 0
  assert.ok(ids[1] >= 1 && ids[1] <= 5 && ids[1] === ids[10]); // same value 'x' -> same bucket
  // num minmax over 1, 3, 10; missing -> fill 0 -> (0 - 1) / 9.  lg: slog1p, missing -> mean(-1, 0, 3) = 2/3.
  const dense = [...rows.dense];
  const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-6, `${a} vs ${b}`);
  [0, 2 / 9, -1 / 9, 1].forEach((v, i) => close(dense[i * 2], v));
  [-Math.log(2), 0, Math.log1p(2 / 3), Math.log(4)].forEach((v, i) => close(dense[i * 2 + 1], v));
  assert.deepEqual([...rows.labels], [1, 0, 1, 0]);
});

test('encoders round-trip through JSON and encode raw rows the same way; unseen -> OOV', async () => {
  const { enc, rows } = await fitted();
  const back = Encoders.fromJSON(JSON.parse(JSON.stringify(enc.toJSON())));
  assert.equal(back.hash(), enc.hash());
  assert.deepEqual(back.vocabSizes, enc.vocabSizes);
  const r = back.encodeRow({ cat: 'a', h: 'x', num: '3', cnt: 10, lg: '' });
  assert.deepEqual([...r.ids], [2, rows.ids[1], 3]);
  assert.ok(Math.abs(r.dense[0] - 2 / 9) < 1e-6);
  const arr = back.encodeRow(['never-seen', 'zzz', '', '1e6', null]); // inputColumns order
  assert.equal(arr.ids[0], 0); // OOV
  assert.equal(arr.ids[2], 1); // missing bucket
  assert.ok(Math.abs(arr.dense[0] - (1e6 - 1) / 9) < 1);
  assert.equal(back.encodeRow({ cnt: '1e6' }).ids[2], 0); // bucket 190 never seen -> OOV
  assert.equal(back.encodeRow({}).ids[0], 1); // missing
  assert.throws(
    () => back.encodeRow({ num: 'abc' }, undefined, 'request'),
    /request:1:4: column num: expected a number, got "abc"/,
  );
  assert.throws(
    () => Encoders.fromJSON({ format: 'slimctr-encoders', version: 2 }, 'm.json'),
    /m\.json: invalid encoders at version/,
  );
});
