import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { getEngine } from '../../src/kernels/engine.js';
import { loadModel } from '../../src/persist/model_file.js';
import { DataError, ModelFileError } from '../../src/util/errors.js';
import { parseRows } from '../../src/web/rows.js';
import { encodeRows, inputColumns, predictProbabilities } from '../../src/api/score.js';
import { exampleRowsText, summarize } from '../../src/web/summary.js';
import { tinySpec } from '../models/tiny.js';
import { scratchDir } from '../train/toy_data.js';
import { QuantizedTable } from '../../src/embedding/quantized_table.js';
import { fixtureBitsInt4, fixturePlan, fixtureRowsTsv, saveFixtureModel } from './model_fixture.js';

const cols = ['C1', 'C2', 'I1'];
let path = '';
let params = 0;

before(async () => {
  await getEngine();
  path = join(scratchDir('web'), 'model.safetensors');
  params = saveFixtureModel(path).params;
});

test('rows: TSV with a header (extra columns ignored), CSV with quotes, JSON objects, JSON lines and a single JSON row', () => {
  const tsv = parseRows('label\tI1\tC2\tC1\n1\t0.5\tx\tnews\n\n0\t2\ty\tsports\n', cols);
  assert.equal(tsv.format, 'tsv');
  assert.deepEqual(tsv.rows, [
    ['news', 'x', '0.5'],
    ['sports', 'y', '2'],
  ]);
  assert.deepEqual(tsv.lines, [2, 4]);
  const csv = parseRows('"a,b",c,1\r\nd,,2', cols);
  assert.equal(csv.format, 'csv');
  assert.deepEqual(csv.rows, [
    ['a,b', 'c', '1'],
    ['d', '', '2'],
  ]);
  const objects = parseRows('[{"C1":"news","I1":3},{"C1":"x","C2":null}]', cols);
  assert.deepEqual(objects.rows, [
    { C1: 'news', I1: 3 },
    { C1: 'x', C2: null },
  ]);
  assert.deepEqual(parseRows('{"C1":"a"}\n\n{"C1":"b"}', cols).lines, [1, 3]);
  assert.deepEqual(parseRows('["a", "b", 1]', cols).rows, [['a', 'b', 1]]);
});

test('rows: a bad line fails with DataError naming the line', () => {
  const fails = (text: string, re: RegExp): void =>
    assert.throws(
      () => parseRows(text, cols),
      (e: unknown) => e instanceof DataError && re.test(e.message),
    );
  fails('a,b,1\na,b\n', /^rows:2: expected 3 cells \(C1, C2, I1\), got 2/);
  fails('{"C1":"a"}\n{"C1":', /^rows:2: not valid JSON/);
  fails('[["a","b"]]', /^rows:1: expected 3 values, got 2/);
  fails('{"C1":{"x":1}}', /column C1: a value must be a string, number or null/);
  fails('  \n', /no rows to score/);
});

test('a model loads from its bytes exactly as from its file, and a damaged copy fails with ModelFileError', () => {
  const bytes = readFileSync(path);
  const fromFile = loadModel(path),
    fromBytes = loadModel(new Uint8Array(bytes), { name: 'model.safetensors' });
  assert.deepEqual(fromBytes.meta, fromFile.meta);
  const parsed = parseRows(fixtureRowsTsv, inputColumns(fromBytes));
  const batch = encodeRows(parsed.rows, fromBytes.encoders, fromBytes.meta.features, parsed.lines);
  const p = predictProbabilities(fromBytes.model, batch);
  assert.deepEqual(p, predictProbabilities(fromFile.model, batch));
  assert.equal(p.length, 5);
  assert.ok(new Set(p).size > 1 && p.every((x) => x > 0 && x < 1), `probabilities ${p}`);
  const bad = Uint8Array.from(bytes);
  bad[bad.length - 5] ^= 1;
  assert.throws(
    () => loadModel(bad, { name: 'upload.safetensors' }),
    (e: unknown) => e instanceof ModelFileError && /^upload\.safetensors: corrupt: data checksum/.test(e.message),
  );
});

test('summary: kind, parameters, bytes, compression plan and training metrics; the example rows score', () => {
  const loaded = loadModel(path);
  const s = summarize(loaded, 'model.safetensors', 1234);
  assert.equal(s.kind, 'deepfm');
  assert.equal(s.params, params);
  assert.equal(s.bytes, 1234);
  assert.deepEqual(s.compression, {
    method: 'afm',
    embeddingRank: 3,
    fused: true,
    layers: Object.entries(fixturePlan.layers),
    stored: null,
  });
  assert.deepEqual(s.metrics.columns, ['auc', 'logloss', 'rows']);
  assert.equal(s.metrics.rows[0][0], 'validation');
  assert.ok((s.metrics.rows[0][1][0] ?? 0) > 0.5, 'the fixture model learned something');
  assert.deepEqual(s.columns, ['C1', 'C2', 'C3', 'C4', 'C5', 'I1', 'I2']);
  const example = parseRows(exampleRowsText(loaded), s.columns);
  assert.equal(example.rows.length, 4);
  assert.equal(
    predictProbabilities(loaded.model, encodeRows(example.rows, loaded.encoders, loaded.meta.features)).length,
    4,
  );
});

test('summary of a quantized model says what is stored in fewer bits; its rows score close to the float model', () => {
  const qpath = join(scratchDir('web'), 'quantized.safetensors');
  saveFixtureModel(qpath, fixtureBitsInt4);
  const loaded = loadModel(qpath);
  assert.ok(loaded.model.inputs!.fields!.fieldTables.every((t) => t instanceof QuantizedTable && t.bits === 4));
  const s = summarize(loaded, 'quantized.safetensors', 1);
  assert.equal(s.compression?.stored, 'int4 tables + int8 weights');
  const probs = (l: typeof loaded): Float32Array => {
    const parsed = parseRows(fixtureRowsTsv, inputColumns(l));
    return predictProbabilities(l.model, encodeRows(parsed.rows, l.encoders, l.meta.features, parsed.lines));
  };
  const [q, f] = [probs(loaded), probs(loadModel(path))];
  q.forEach((p, i) => assert.ok(p !== f[i] && Math.abs(p - f[i]) < 0.05, `row ${i + 1}: int4 ${p}, float ${f[i]}`));
});

test('encoding: a bad number names its input line and column; a model without encoders takes ids in range', () => {
  const loaded = loadModel(path);
  const parsed = parseRows(
    'C1\tC2\tC3\tC4\tC5\tI1\tI2\nnews\tu\tios\tq\t1\t0.5\t1\n\nnews\tu\tios\tq\t1\tlots\t1',
    inputColumns(loaded),
  );
  assert.throws(
    () => encodeRows(parsed.rows, loaded.encoders, loaded.meta.features, parsed.lines),
    (e: unknown) =>
      e instanceof DataError && e.message.startsWith('rows:4:6: column I1: expected a number, got "lots"'),
  );
  const raw = { ...loaded, encoders: null };
  assert.deepEqual(inputColumns(raw), ['C1', 'C2', 'C3', 'C4', 'C5', 'I1', 'I2']);
  const ok = encodeRows([[7, 0, 5, 19, 4, 0.5, '-1']], null, tinySpec);
  assert.deepEqual([...ok.ids], [7, 0, 5, 19, 4]);
  assert.deepEqual([...ok.dense], [0.5, -1]);
  assert.throws(
    () => encodeRows([[8, 0, 5, 19, 4, 0, 0]], null, tinySpec, [3]),
    /DataError: rows:3:1: column C1: expected an id in 0\.\.7, got 8/,
  );
  assert.throws(
    () => encodeRows([{ C1: 1, C2: 0, C3: 0, C4: 0, C5: 0, I1: 'x', I2: 0 }], null, tinySpec),
    /column I1: expected a number/,
  );
});

test('the browser bundle holds no Node built-in (dynamic ones become throwing stubs) and no zod locale but English, and a static import of one fails the build naming the file', async () => {
  const dir = scratchDir('web-bundle');
  const { bundle } = (await import(new URL('../../../scripts/build-web.mjs', import.meta.url).href)) as {
    bundle: (
      entry: string,
      outfile: string,
      opts?: { minify?: boolean },
    ) => Promise<{ metafile: { inputs: Record<string, unknown> } }>;
  };
  const built = await bundle(new URL('../../../src/web/main.ts', import.meta.url).pathname, join(dir, 'app.js'), {
    minify: false,
  });
  const locales = Object.keys(built.metafile.inputs).filter((f) => f.includes('zod/v4/locales/'));
  assert.deepEqual(locales, ['node_modules/zod/v4/locales/en.js'], 'zod ships its English messages only');
  const app = readFileSync(join(dir, 'app.js'), 'utf8');
  assert.doesNotMatch(
    app,
    /["']node:/,
    'no import of a Node built-in, static or dynamic, is left for a bundler to resolve',
  );
  assert.match(
    app,
    /Node's fs\/promises module is not available in a browser/,
    "the kernel loader's file read became a stub that throws if reached",
  );
  const probe = join(dir, 'probe.ts');
  writeFileSync(probe, "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n");
  await assert.rejects(bundle(probe, join(dir, 'probe.js')), (e: Error) =>
    /probe\.ts imports node:fs: Node built-ins cannot run in a browser/.test(e.message),
  );
});
