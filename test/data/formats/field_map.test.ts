/**
 * One-hot libsvm files (libFM / FNN releases such as Frappe and iPinYou): field maps by position,
 * index ranges and an FNN featindex file give the same fields; indices far beyond any array size
 * are fine with a map and a clear error without one; `slimctr inspect` detects such files and
 * proposes the map, with constant fields left out.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { parseDataConfig } from '../../../src/data/config.js';
import { prepareData } from '../../../src/data/pipeline.js';
import { mulberry32 } from '../../helpers.js';
import { fixture, tempDir } from '../fixtures.js';

const bin = fileURLToPath(new URL('../../../../bin/slimctr.js', import.meta.url));
const run = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });

/** Fields: user (indices 0-19), item (20-49), a constant field (50), city (base + 0..4). */
function oneHot(rows: number, base = 51): { text: string; cells: number[][] } {
  const rand = mulberry32(7);
  const cells: number[][] = [];
  const lines = Array.from({ length: rows }, () => {
    const row = [Math.floor(rand() * 20), 20 + Math.floor(rand() * 30), 50, base + Math.floor(rand() * 5)];
    cells.push(row);
    const y = (row[0] % 2) ^ (row[1] % 3 === 0 ? 1 : 0);
    return `${y} ${row.map((i) => `${i}:1`).join(' ')}`;
  });
  return { text: `${lines.join('\n')}\n`, cells };
}

const features = { categorical: { f0: null, f1: null, f3: null } };
const config = (train: string, fieldMap: unknown, tag: string) =>
  parseDataConfig({
    dataset: { format: 'libsvm', train, field_map: fieldMap, cache_dir: join(tempDir(), tag) },
    features,
  });

test('field maps by position, by ranges and from a featindex file read a one-hot libsvm file as the same fields', async () => {
  const { text } = oneHot(300);
  const file = fixture(text, 'onehot.libsvm');
  const featindex = fixture(
    [
      ...Array.from({ length: 20 }, (_, i) => `user:u${i}\t${i}`),
      ...Array.from({ length: 30 }, (_, i) => `item:i${i}\t${20 + i}`),
      'const:c\t50',
      ...Array.from({ length: 5 }, (_, i) => `city:c${i}\t${51 + i}`),
    ].join('\n') + '\n',
    'featindex.txt',
  );
  const byPosition = await prepareData(config(file, { by: 'position' }, 'pos'));
  const ranges = { f0: '0-19', f1: '20-49', f2: '50-50', f3: ['51-53', '54-55'] };
  const byRanges = await prepareData(config(file, { by: 'ranges', ranges }, 'ranges'));
  assert.equal(byPosition.encoders.numCategorical, 3);
  assert.deepEqual(byPosition.encoders.vocabSizes, byRanges.encoders.vocabSizes);
  assert.deepEqual(byPosition.splits.train!.readAll(), byRanges.splits.train!.readAll());
  // The featindex file names its fields (user, item, const, city): the same columns under those names.
  const fi = await prepareData(
    parseDataConfig({
      dataset: {
        format: 'libsvm',
        train: file,
        field_map: { by: 'featindex', file: featindex },
        cache_dir: join(tempDir(), 'fi'),
      },
      features: { categorical: { user: null, item: null, city: null } },
    }),
  );
  assert.deepEqual(fi.splits.train!.readAll(), byPosition.splits.train!.readAll());
  assert.deepEqual(
    byPosition.encoders.vocabSizes.map((v) => v - 2),
    [20, 30, 5],
    "vocab: each field's indices (+ missing and OOV ids)",
  );
});

test('indices far beyond any array size: a clear error without a field map, and no allocation per index with one', async () => {
  const { text } = oneHot(200, 6_997_622_370);
  const file = fixture(text, 'huge.libsvm');
  await assert.rejects(
    prepareData(
      parseDataConfig({
        dataset: { format: 'libsvm', train: file, cache_dir: join(tempDir(), 'huge0') },
        features: { numeric: { x0: null } },
      }),
    ),
    /indices reach 6997622374: a column per index would not fit in memory.*dataset\.field_map/,
  );
  const d = await prepareData(
    config(
      file,
      { by: 'ranges', ranges: { f0: '0-19', f1: '20-49', f2: '50-50', f3: '6997622370-6997622374' } },
      'huge1',
    ),
  );
  assert.equal(d.splits.train!.rows, 200);
  assert.deepEqual(
    d.encoders.vocabSizes.map((v) => v - 2),
    [20, 30, 5],
  );
  const outside = fixture('1 3:1 25:1 50:1 6997622390:1\n', 'outside.libsvm');
  await assert.rejects(
    prepareData(
      config(
        outside,
        { by: 'ranges', ranges: { f0: '0-19', f1: '20-49', f2: '50-50', f3: '6997622370-6997622374' } },
        'huge2',
      ),
    ),
    /outside\.libsvm:1:5: index 6997622390 is in no range of dataset\.field_map/,
  );
  assert.throws(
    () => parseDataConfig({ dataset: { format: 'libffm', train: file, field_map: { by: 'position' } }, features: {} }),
    /dataset\.field_map: field_map needs format: libsvm/,
  );
  assert.throws(
    () => parseDataConfig({ dataset: { format: 'libsvm', train: file, field_map: { by: 'fields' } }, features: {} }),
    /dataset\.field_map/,
  );
});

test('slimctr inspect on a one-hot libsvm file: detected, a positional field map proposed, the constant field flagged and left out', async () => {
  const file = fixture(oneHot(300, 6_997_622_370).text, 'inspect.libsvm');
  const r = run('inspect', file);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /rows: 300\n/);
  assert.match(r.stdout, /features per row: 4; values all 1; largest index 699762237\d/);
  assert.match(
    r.stdout,
    /one-hot file .*the k-th feature of a row is field k; each position keeps to its own index range/,
  );
  assert.match(r.stdout, /constant columns \(one value on every row; left out of the proposal\): f2\n/);
  const proposal = parse(r.stdout.slice(r.stdout.indexOf('dataset:')));
  assert.deepEqual(proposal.dataset.field_map, { by: 'position', fields: 4 });
  assert.deepEqual(Object.keys(proposal.features.categorical), ['f0', 'f1', 'f3']);
  // The proposal trains as it stands.
  const d = await prepareData(
    parseDataConfig({ ...proposal, dataset: { ...proposal.dataset, cache_dir: join(tempDir(), 'insp') } }),
  );
  assert.equal(d.encoders.numCategorical, 3);
  // Read as libffm it has no readable row: inspect says so and fails instead of reporting success.
  const small = fixture(oneHot(300).text, 'small.libsvm');
  const wrong = run('inspect', '--format', 'libffm', small);
  assert.equal(wrong.status, 1);
  assert.match(wrong.stderr, /no row of .* could be read as libffm \(300 malformed\); check --format/);
  const huge = run('inspect', '--format', 'libffm', file);
  assert.notEqual(huge.status, 0);
  assert.match(
    huge.stderr,
    /libffm field numbers reach 699762237\d, more than any file has fields: is this a libsvm file/,
  );
});
