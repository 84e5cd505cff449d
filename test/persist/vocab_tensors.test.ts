import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HASH_NAME } from '../../src/data/hash.js';
import { EmbeddingStore } from '../../src/embedding/store.js';
import { MAX_HEADER_BYTES } from '../../src/io/safetensors.js';
import { readSafetensorsHeader } from '../../src/io/safetensors_file.js';
import { writeFileAtomic } from '../../src/io/atomic.js';
import { encodeModelFile } from '../../src/persist/container.js';
import { getEngine } from '../../src/kernels/engine.js';
import { findModel } from '../../src/models/registry.js';
import { loadModel, type SaveMeta } from '../../src/persist/model_file.js';
import { saveModel } from '../../src/persist/save_model.js';
import { packVocabularies, unpackVocabularies } from '../../src/persist/vocab_tensors.js';
import { Rng } from '../../src/tensor/rng.js';
import { ModelFileError } from '../../src/util/errors.js';
import { scratchDir } from '../train/toy_data.js';

before(async () => {
  await getEngine();
});

const VALUES = 3_000_000;

test(`a model with a vocabulary of ${VALUES} values saves and loads back (the vocabulary is out of the JSON header)`, () => {
  // 36-character values: inline in the JSON header they would need about 117 MB, over the 100 MiB limit.
  const prefix = 'u'.repeat(26);
  const values = Array.from({ length: VALUES }, (_, k) => prefix + (1e9 + k));
  values[7] = 'é-ü-値'; // non-ASCII values round-trip too
  const spec = {
    categorical: [
      { name: 'u', vocab: VALUES + 2 },
      { name: 'h', vocab: 9 },
    ],
    numeric: [],
  };
  const entry = findModel('lr')!;
  const model = entry.create(spec, entry.options.parse({}), { rng: new Rng(1), store: new EmbeddingStore(), slots: 0 });
  const encoders = {
    format: 'slimctr-encoders',
    version: 1,
    hash: HASH_NAME,
    label: 'label',
    dense: [],
    categorical: [
      { name: 'u', encoder: 'vocab', min_count: 1, values },
      { name: 'h', encoder: 'hash', buckets: 8 },
    ],
  } as unknown as NonNullable<SaveMeta['encoders']>;
  const path = join(scratchDir('vocab'), 'model.safetensors');
  saveModel(path, model, { options: {}, features: spec, encoders, reader: null, training: null });
  const header = readSafetensorsHeader(path);
  assert.ok(header.dataStart < 1 << 20, `header is ${header.dataStart} bytes`);
  assert.deepEqual(
    header.entries.filter((e) => e.name.startsWith('encoders.')).map((e) => [e.name, e.dtype]),
    [
      ['encoders.0.utf8', 'U8'],
      ['encoders.0.offsets', 'U64'],
    ],
  );
  const loaded = loadModel(path);
  const cat = loaded.encoders!.categorical[0];
  assert.equal(cat.encoder, 'vocab');
  if (cat.encoder !== 'vocab') return;
  assert.equal(cat.vocab.values.length, VALUES);
  for (const k of [0, 7, 12345, VALUES - 1]) assert.equal(cat.vocab.values[k], values[k]);
  assert.equal(cat.vocab.idOfString(values[VALUES - 1]), VALUES + 1);
  assert.equal(cat.vocab.idOfString('é-ü-値'), 9);
  assert.deepEqual(loaded.meta.encoders?.categorical[1], { name: 'h', encoder: 'hash', buckets: 8 });
});

test("a save whose header would be over the readers' limit fails before it replaces the old file", () => {
  const dir = scratchDir('vocab');
  const path = join(dir, 'model.safetensors');
  writeFileSync(path, 'the old model');
  const tensors = new Map([['w', { dtype: 'F32' as const, shape: [1], data: new Float32Array(1) }]]);
  assert.throws(
    () => writeFileAtomic(path, encodeModelFile(tensors, { note: 'x'.repeat(MAX_HEADER_BYTES) }, path)),
    (err: unknown) =>
      err instanceof ModelFileError &&
      /cannot save: the header would be \d+ bytes, over the 104857600-byte limit/.test(err.message),
  );
  assert.equal(readFileSync(path, 'utf8'), 'the old model');
  assert.deepEqual(readdirSync(dir), ['model.safetensors'], 'no temp file left');
});

test('vocabulary tensors: format 1.x inline values still read; damaged offsets are refused', () => {
  const json = {
    format: 'slimctr-encoders',
    version: 1,
    hash: 'h',
    label: null,
    dense: [],
    categorical: [{ name: 'c', encoder: 'vocab', min_count: 1, values: ['a', 'bb', ''] }],
  } as never;
  assert.deepEqual(unpackVocabularies(json, new Map(), 'old.st'), json, '1.x: values inline');
  const { json: packed, tensors } = packVocabularies(json);
  assert.deepEqual((packed.categorical as object[])[0], { name: 'c', encoder: 'vocab', min_count: 1, values_count: 3 });
  assert.deepEqual(unpackVocabularies(packed, tensors, 'new.st'), json);
  const offsets = tensors.get('encoders.0.offsets')!.data as BigUint64Array;
  offsets[2] = 99n;
  assert.throws(
    () => unpackVocabularies(packed, tensors, 'new.st'),
    /new\.st: encoders\.categorical\.0 \(c\): corrupt vocabulary: offset 2 is 99/,
  );
  tensors.delete('encoders.0.utf8');
  assert.throws(
    () => unpackVocabularies(packed, tensors, 'new.st'),
    /vocabulary tensors encoders\.0\.utf8 \(U8\) and encoders\.0\.offsets \(U64\) are missing/,
  );
  assert.equal(existsSync('new.st'), false);
});
