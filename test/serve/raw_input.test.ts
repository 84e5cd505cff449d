import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CRITEO_COLUMNS } from '../../src/data/index.js';
import type { ReaderSettings } from '../../src/persist/model_file.js';
import { tableSpecForModel } from '../../src/serve/raw_input.js';
import { scratchDir } from '../train/toy_data.js';

const reader = { format: 'criteo_tsv', label: 'label', multi_value: 'error' } as ReaderSettings;
const row = (label: boolean) => [...(label ? ['1'] : []), ...Array.from({ length: 13 }, (_, i) => String(i)), ...Array.from({ length: 26 }, (_, i) => `c${i}`)].join('\t');

test('a headerless Criteo file without the label column is read with the training layout minus the label', async () => {
  const dir = scratchDir('raw-input');
  const labelled = join(dir, 'train.tsv'), unlabeled = join(dir, 'test.tsv');
  writeFileSync(labelled, `${row(true)}\n`);
  writeFileSync(unlabeled, `${row(false)}\n`);
  const a = await tableSpecForModel(reader, labelled);
  assert.equal(a.format, 'criteo_tsv');
  assert.deepEqual(a.columns, CRITEO_COLUMNS, 'a full-width file has the Criteo columns');
  const b = await tableSpecForModel(reader, unlabeled);
  assert.deepEqual(b.columns, CRITEO_COLUMNS.slice(1));
  assert.equal(b.header, false);
  const c = await tableSpecForModel({ ...reader, format: 'csv' }, unlabeled);
  assert.equal(c.columns, undefined, 'files with a header name their own columns');
});

test('a model trained on a CSV with a header reads a headerless file of the same layout with the saved columns', async () => {
  const dir = scratchDir('raw-input-header');
  const withHeader = join(dir, 'a.csv'), without = join(dir, 'b.csv'), unlabeled = join(dir, 'c.csv');
  writeFileSync(withHeader, 'id,click,site\n1,0,a1b2\n');
  writeFileSync(without, '2,1,c3d4\n');
  writeFileSync(unlabeled, '3,e5f6\n');
  const csv = { format: 'csv', header: true, columns: ['id', 'click', 'site'], label: 'click', multi_value: 'error' } as ReaderSettings;
  assert.equal((await tableSpecForModel(csv, withHeader)).header, true);
  const b = await tableSpecForModel(csv, without);
  assert.equal(b.header, false);
  assert.deepEqual(b.columns, ['id', 'click', 'site']);
  assert.deepEqual((await tableSpecForModel(csv, unlabeled)).columns, ['id', 'site']);
});
