import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EmbeddingStore } from '../../src/embedding/store.js';
import { MAX_HEADER_BYTES, type Tensor as FileTensor } from '../../src/io/safetensors.js';
import { readSafetensorsHeader } from '../../src/io/safetensors_file.js';
import { writeFileAtomic } from '../../src/io/atomic.js';
import { decodeModelFile, encodeModelFile } from '../../src/persist/container.js';
import { getEngine } from '../../src/kernels/engine.js';
import { findModel } from '../../src/models/registry.js';
import { loadModel } from '../../src/persist/model_file.js';
import { saveModel } from '../../src/persist/save_model.js';
import { packVocabularies, unpackVocabularies } from '../../src/persist/vocab_tensors.js';
import { Rng } from '../../src/tensor/rng.js';
import { ModelFileError } from '../../src/util/errors.js';
import { scratchDir } from '../train/toy_data.js';
import { vocabEncoders } from './saved_model.js';

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
      { name: 'c0', vocab: VALUES + 2 },
      { name: 'h', vocab: 9 },
    ],
    numeric: [],
  };
  const entry = findModel('lr')!;
  const model = entry.create(spec, entry.options.parse({}), { rng: new Rng(1), store: new EmbeddingStore(), slots: 0 });
  const encoders = vocabEncoders([values]);
  const path = join(scratchDir('vocab'), 'model.safetensors');
  saveModel(path, model, { options: {}, features: spec, encoders, reader: null, training: null });
  const header = readSafetensorsHeader(path);
  assert.ok(header.dataStart < 1 << 20, `header is ${header.dataStart} bytes`);
  assert.deepEqual(
    header.entries.filter((e) => e.name.startsWith('encoders.')).map((e) => [e.name, e.dtype]),
    [
      ['encoders.0.utf8', 'U8'],
      ['encoders.0.lengths', 'U8'],
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

const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/model_files/', import.meta.url));
const FIXTURE_VALUES = [
  ['007', 'a', '', 'é-ü-値', '7', '😀'],
  ['0008473a', '000d19ea', '00000000'],
  ['3', '-1', '0', '12'],
];

for (const format of ['1_0', '2_0']) {
  test(`a model file of format ${format.replace('_', '.')} (written by earlier slimctr) still loads with the same encoders`, () => {
    const loaded = loadModel(join(FIXTURES, `format_${format}.safetensors`));
    const cats = loaded.meta.encoders!.categorical;
    assert.deepEqual(
      cats.map((c) => ('values' in c ? c.values : null)),
      [...FIXTURE_VALUES, null],
    );
    assert.deepEqual(cats[3], { name: 'h', encoder: 'hash', buckets: 8 });
    const vocab = loaded.encoders!.categorical[0];
    assert.ok(vocab.encoder === 'vocab');
    assert.equal(vocab.vocab.idOfString('007'), 2);
    assert.equal(vocab.vocab.idOfString('7'), 6);
  });
}

/** A file's encoders JSON and raw tensors, the vocabularies still packed. */
function packedParts(file: string): { json: Record<string, unknown>; tensors: Map<string, FileTensor> } {
  const decoded = decodeModelFile(readFileSync(file), file);
  return { json: (decoded.meta as { encoders: Record<string, unknown> }).encoders, tensors: decoded.tensors };
}

test('format 2.0 vocabularies: damaged offsets and missing tensors are refused, naming the field', () => {
  const { json, tensors } = packedParts(join(FIXTURES, 'format_2_0.safetensors'));
  const offsets = new BigUint64Array(tensors.get('encoders.0.offsets')!.data as BigUint64Array);
  offsets[2] = 99n;
  tensors.set('encoders.0.offsets', { dtype: 'U64', shape: [offsets.length], data: offsets });
  assert.throws(
    () => unpackVocabularies(json, tensors, 'old.st'),
    /old\.st: encoders\.categorical\.0 \(t\): corrupt vocabulary: offset 2 is 99/,
  );
  tensors.delete('encoders.1.utf8');
  tensors.delete('encoders.0.offsets');
  assert.throws(
    () => unpackVocabularies(json, tensors, 'old.st'),
    /old\.st: encoders\.categorical\.0 \(t\): the vocabulary tensor encoders\.0\.offsets \(U64\) is missing/,
  );
});

/** Packs and unpacks; returns the column each field was stored as and the tensor bytes. */
function roundTrip(lists: string[][]): { as: unknown[]; bytes: number } {
  const encoders = vocabEncoders(lists);
  const { json, tensors } = packVocabularies(encoders);
  assert.deepEqual(unpackVocabularies(json, tensors, 'x.st'), encoders);
  const cats = json.categorical as Record<string, unknown>[];
  assert.deepEqual(cats.at(-1), { name: 'h', encoder: 'hash', buckets: 8 }, 'a hashed field stores nothing');
  assert.ok([...tensors.keys()].every((k) => !k.startsWith(`encoders.${lists.length}.`)));
  const bytes = [...tensors.values()].reduce((n, t) => n + t.data.byteLength, 0);
  return { as: cats.slice(0, -1).map((c) => (c.values_width ? `hex${c.values_width}` : c.values_as)), bytes };
}

test('vocabularies round-trip exactly in the narrowest column: integers, fixed-width hex, text', () => {
  const cases: [string[], string][] = [
    [[], 'int'],
    [['0', '-1', '12', '999999999999999', '-999999999999999'], 'int'],
    [['007', '010', '100'], 'hex3'], // leading zeros stay: fixed width
    [['007', '7'], 'text'],
    [['1', '-0'], 'text'],
    [['+1', '2'], 'text'],
    [['1e3', '2'], 'text'],
    [[' 1', '2'], 'text'],
    [['1000000000000000', '2'], 'text'], // 16 digits: beyond the exact-integer range kept
    [['000a3f2c', 'ffffffff', '00000000'], 'hex8'],
    [['fffffffffffff', '0000000000000'], 'hex13'],
    [['ffffffffffffff', '00000000000000'], 'text'], // 14 hex digits
    [['000A3F2C', '00000000'], 'text'],
    [['abc', 'abcd'], 'text'],
    [['', 'a'], 'text'],
    [['é-ü-値', '😀', '', 'x'], 'text'],
    [['x'.repeat(300), 'y'], 'text'],
    [['z'.repeat(70000), ''], 'text'],
  ];
  const { as } = roundTrip(cases.map(([v]) => v));
  assert.deepEqual(
    as,
    cases.map(([, k]) => k),
  );
});

test('random vocabularies round-trip exactly (hex, decimal, unicode, empty strings)', () => {
  const rng = new Rng(17);
  const pick = (s: string) => {
    const chars = [...s]; // code points: a lone surrogate is not a string data can hold
    return chars[rng.int(chars.length)];
  };
  const make = (n: number, one: () => string): string[] => [...new Set(Array.from({ length: n }, one))];
  for (let round = 0; round < 20; round++) {
    const width = 1 + rng.int(13);
    roundTrip([
      make(rng.int(500), () => Array.from({ length: width }, () => pick('0123456789abcdef')).join('')),
      make(rng.int(500), () => String(Math.round((rng.next() - 0.5) * 10 ** (1 + rng.int(15))))),
      make(rng.int(500), () => Array.from({ length: rng.int(6) }, () => pick('0aZé値😀-, \t')).join('')),
      make(rng.int(500), () => Array.from({ length: 1 + rng.int(4) }, () => pick('0123456789')).join('')),
    ]);
  }
});

test('a Criteo-like vocabulary of 1,000,000 8-digit hex values takes under 4 bytes a value (UTF-8 plus offsets took 16)', () => {
  const rng = new Rng(5);
  const seen = new Set<string>();
  while (seen.size < 1_000_000)
    seen.add(
      Math.floor(rng.next() * 2 ** 32)
        .toString(16)
        .padStart(8, '0'),
    );
  const values = [...seen];
  // Ids run most frequent first, ties by value: sort the tail as fitting does.
  const tail = values.splice(1000).sort();
  const { as, bytes } = roundTrip([[...values, ...tail]]);
  assert.deepEqual(as, ['hex8']);
  assert.ok(bytes < 4 * 1_000_000, `${bytes} bytes`);
});

test('damaged compact columns are refused, naming the field and the problem', () => {
  const { json, tensors } = packVocabularies(
    vocabEncoders([
      ['000a', '00ff'],
      ['a', 'bc'],
    ]),
  );
  const expect = (pattern: RegExp) => assert.throws(() => unpackVocabularies(json, tensors, 'f.st'), pattern);
  const steps = tensors.get('encoders.0.steps')!;
  tensors.set('encoders.0.steps', { ...steps, shape: [1], data: (steps.data as Uint8Array).subarray(0, 1) });
  expect(/f\.st: encoders\.categorical\.0 \(c0\): corrupt vocabulary: encoders\.0\.steps does not hold 2 values/);
  tensors.set('encoders.0.steps', { dtype: 'U8', shape: [2], data: new Uint8Array([0, 0x80]) });
  expect(/encoders\.0\.steps does not hold 2 values/);
  tensors.set('encoders.0.steps', { dtype: 'U8', shape: [2], data: new Uint8Array([0, 1]) }); // 0, then -1
  expect(/encoders\.0\.steps holds a value out of range for 'hex'/);
  tensors.set('encoders.0.steps', steps);
  tensors.set('encoders.1.lengths', { dtype: 'U8', shape: [2], data: new Uint8Array([1, 2 + 1]) });
  expect(/\(c1\): corrupt vocabulary: the value lengths add up to 4 bytes, the values hold 3/);
  tensors.delete('encoders.1.lengths');
  expect(/\(c1\): the vocabulary tensor encoders\.1\.lengths \(U8\|U16\|U32\) is missing/);
  const cats = json.categorical as Record<string, unknown>[];
  cats[1].values_as = 'zip';
  expect(/\(c1\): corrupt vocabulary: unknown values_as "zip"/);
  cats[0].values_width = 20;
  expect(/\(c0\): corrupt vocabulary: bad values_width 20/);
  assert.equal(existsSync('f.st'), false);
});
