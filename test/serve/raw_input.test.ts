import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CRITEO_COLUMNS } from '../../src/data/index.js';
import type { ReaderSettings } from '../../src/persist/model_file.js';
import { tableSpecForModel } from '../../src/serve/raw_input.js';
import { scratchDir } from '../train/toy_data.js';

const reader = { format: 'criteo_tsv', label: 'label', multi_value: 'error' } as ReaderSettings;
const row = (label: boolean) =>
  [
    ...(label ? ['1'] : []),
    ...Array.from({ length: 13 }, (_, i) => String(i)),
    ...Array.from({ length: 26 }, (_, i) => `c${i}`),
  ].join('\t');

test('a headerless Criteo file without the label column is read with the training layout minus the label', async () => {
  const dir = scratchDir('raw-input');
  const labelled = join(dir, 'train.tsv'),
    unlabeled = join(dir, 'test.tsv');
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
  const withHeader = join(dir, 'a.csv'),
    without = join(dir, 'b.csv'),
    unlabeled = join(dir, 'c.csv');
  writeFileSync(withHeader, 'id,click,site\n1,0,a1b2\n');
  writeFileSync(without, '2,1,c3d4\n');
  writeFileSync(unlabeled, '3,e5f6\n');
  const csv = {
    format: 'csv',
    header: true,
    columns: ['id', 'click', 'site'],
    label: 'click',
    multi_value: 'error',
  } as ReaderSettings;
  assert.equal((await tableSpecForModel(csv, withHeader)).header, true);
  const b = await tableSpecForModel(csv, without);
  assert.equal(b.header, false);
  assert.deepEqual(b.columns, ['id', 'click', 'site']);
  assert.deepEqual((await tableSpecForModel(csv, unlabeled)).columns, ['id', 'site']);
});

test('a labelled headerless file whose first row is one cell short stays labelled, and the detection is explained', async () => {
  const dir = scratchDir('raw-input-short');
  const file = join(dir, 'short-first.tsv');
  const short = row(true).split('\t').slice(0, -1).join('\t');
  writeFileSync(file, `${short}\n${Array.from({ length: 20 }, () => row(true)).join('\n')}\n`);
  const notes: string[] = [];
  const spec = await tableSpecForModel(reader, file, (m) => notes.push(m));
  assert.deepEqual(spec.columns, CRITEO_COLUMNS, 'the label column is kept');
  assert.match(
    notes.join('\n'),
    /short-first\.tsv: read with the label column 'label' \(40 cells, as in training\).*a line one cell short is a malformed row/,
  );
  const unlabelled = join(dir, 'unlabelled.tsv');
  writeFileSync(unlabelled, `${row(false)}\n${row(false)}\n`);
  const said: string[] = [];
  assert.deepEqual((await tableSpecForModel(reader, unlabelled, (m) => said.push(m))).columns, CRITEO_COLUMNS.slice(1));
  assert.match(
    said.join('\n'),
    /read without the label column 'label': its first 2 line\(s\) all have 39 cells, one fewer than the training layout/,
  );
});
