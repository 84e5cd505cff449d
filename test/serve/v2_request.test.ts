/**
 * One rule per column over real Criteo rows: encoders fitted on the shared data's raw_8k train file
 * (vocab, hash and a numeric column taken as categories; criteo_bucket, log1p, standard and minmax
 * numbers) encode its test rows to the same ids and dense values whether they come as JSON rows,
 * JSON v2 tensors, or binary v2 tensors in each datatype a column takes.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDataConfig } from '../../src/data/config.js';
import { CRITEO_COLUMNS, Encoders, prepareData } from '../../src/data/index.js';
import type { EncodedRequest, RequestLimits } from '../../src/serve/request.js';
import { encodePredictBody } from '../../src/serve/request.js';
import { binaryInferBody, type InferInput, tensorBytes } from './v2_client.js';
import { encodeV2Body } from '../../src/serve/v2_request.js';
import { sharedDataDir } from '../helpers.js';
import { tempDir } from '../data/fixtures.js';

const shared = sharedDataDir();
const skip = shared ? false : 'shared data folder absent (../shared/data)';
const TRANSFORMS = ['criteo_bucket', 'log1p', 'standard', 'minmax'];

let lim: RequestLimits;
/** The test file's rows by column name (label left out). */
let rows: Record<string, string>[];

before(async () => {
  if (!shared) return;
  const dir = join(shared, 'criteo', 'raw_8k');
  const cfg = parseDataConfig({
    dataset: { format: 'criteo_tsv', train: join(dir, 'train.tsv'), cache_dir: join(tempDir(), 'v2-criteo') },
    features: {
      categorical: {
        ...Object.fromEntries(Array.from({ length: 25 }, (_, i) => [`C${i + 1}`, { min_count: 2 }])),
        C26: { encoder: 'hash', buckets: 1000 },
        I12: { min_count: 2 },
      },
      numeric: Object.fromEntries(
        [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13].map((i) => [
          `I${i}`,
          { transform: TRANSFORMS[i % 4], ...(i % 3 ? {} : { fill: 'mean' }) },
        ]),
      ),
    },
  });
  const encoders: Encoders = (await prepareData(cfg)).encoders;
  lim = { encoders, maxRows: 10_000, known: null };
  rows = readFileSync(join(dir, 'test.tsv'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) =>
      Object.fromEntries(
        l
          .split('\t')
          .map((v, i) => [CRITEO_COLUMNS[i], v])
          .slice(1),
      ),
    );
});

const v2 = (inputs: InferInput[]): EncodedRequest => {
  const { body, header } = binaryInferBody(inputs);
  return encodeV2Body(body, String(header), lim);
};

function same(got: EncodedRequest, want: EncodedRequest, what: string): void {
  assert.equal(got.rows, want.rows, what);
  assert.deepEqual(got.ids, want.ids, `${what}: ids`);
  assert.deepEqual(got.dense, want.dense, `${what}: dense`);
}

test('real Criteo rows: JSON rows, JSON v2 and binary v2 (BYTES) encode to the same ids and dense values', {
  skip,
}, () => {
  const columns = lim.encoders.inputColumns;
  const want = encodePredictBody(JSON.stringify({ rows }), lim);
  assert.ok(want.rows > 300);
  const json = v2(
    columns.map((c) => ({ name: c, shape: [rows.length, 1], datatype: 'BYTES', data: rows.map((r) => r[c]) })),
  );
  same(json, want, 'JSON v2');
  const bytes = v2(
    columns.map((c) => ({
      name: c,
      shape: [rows.length, 1],
      datatype: 'BYTES',
      bytes: tensorBytes(
        'BYTES',
        rows.map((r) => r[c]),
      ),
    })),
  );
  same(bytes, want, 'binary v2');
  assert.ok(new Set(want.ids).size > 100, 'the rows hit many categories');
});

test('real Criteo rows: each I column sent as INT32, INT64, FP64 (and FP32 where exact) encodes as its JSON text does', {
  skip,
}, () => {
  for (let i = 1; i <= 13; i++) {
    const c = `I${i}`;
    const present = rows.filter((r) => r[c] !== '');
    const values = present.map((r) => Number(r[c]));
    const want = v2([{ name: c, shape: [present.length], datatype: 'BYTES', data: present.map((r) => r[c]) }]);
    const category = lim.encoders.categorical.some((f) => f.name === c && f.encoder === 'vocab');
    // A vocab column takes integers only (their decimal text); a numeric one floats too.
    const floats = category ? [] : ['FP64', ...(values.every((v) => Math.fround(v) === v) ? ['FP32'] : [])];
    const types = ['INT32', 'INT64', ...floats];
    for (const datatype of types) {
      const got = v2([{ name: c, shape: [present.length], datatype, bytes: tensorBytes(datatype, values) }]);
      same(
        got,
        want,
        `${c} (${lim.encoders.categorical.some((f) => f.name === c) ? 'categorical' : 'numeric'}) as ${datatype}`,
      );
    }
  }
});

test('an INT64 category past 2^53 is the category of its exact decimal text', () => {
  const big = 2n ** 60n + 7n;
  const encoders = Encoders.fromJSON({
    format: 'slimctr-encoders',
    version: 1,
    hash: 'fnv1a-dual32-v1',
    label: null,
    categorical: [{ name: 'id', encoder: 'vocab', min_count: 1, values: [String(big), '12'] }],
    dense: [],
  });
  const { body, header } = binaryInferBody([
    { name: 'id', shape: [4], datatype: 'INT64', bytes: tensorBytes('INT64', [big, 12, big + 1n, -12]) },
  ]);
  const ids = encodeV2Body(body, String(header), { encoders, maxRows: 10, known: null }).ids;
  assert.deepEqual(Array.from(ids), [2, 3, 0, 0], 'the big value and 12 are known, their neighbours are not');
});
