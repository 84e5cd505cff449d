import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '../../src/io/atomic.js';
import { MODEL_FORMAT_VERSION, decodeModelFile, encodeModelFile } from '../../src/persist/container.js';
import { encodeSafetensors, type Tensor } from '../../src/io/safetensors.js';
import { serializeSafetensors } from '../../src/io/safetensors_file.js';
import { ModelFileError } from '../../src/util/errors.js';
import { VERSION } from '../../src/version.js';

function tensors(): Map<string, Tensor> {
  return new Map<string, Tensor>([
    ['mlp.0.weight', { dtype: 'F32', shape: [2, 2], data: new Float32Array([1, -2, 3.5, 0.25]) }],
    ['mlp.0.bias', { dtype: 'F32', shape: [2], data: new Float32Array([0.1, 0.2]) }],
    ['vocab', { dtype: 'I64', shape: [3], data: new BigInt64Array([10n, 20n, 30n]) }],
    ['mask', { dtype: 'U8', shape: [3], data: new Uint8Array([1, 0, 1]) }],
  ]);
}
const meta = { model: { kind: 'dnn', hidden: [400, 400] }, features: ['C1', 'I2'], rank: 8 };

/** The container alone: any tensors and meta, written atomically as saveModel does, read back verified. */
const saveModelFile = (p: string, t: ReadonlyMap<string, Tensor>, m: object): void =>
  writeFileAtomic(p, encodeModelFile(t, m, p));
const loadModelFile = (p: string) => decodeModelFile(readFileSync(p), p);

function scratch(): string {
  return mkdtempSync(join(tmpdir(), 'slimctr-model-'));
}

/** A minimal safetensors parser written from the spec, independent of src/io/safetensors.ts. */
function specParse(buf: Buffer): { header: Record<string, any>; data: Buffer } {
  const n = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.toString('utf8', 8, 8 + n));
  return { header, data: buf.subarray(8 + n) };
}

function expectModelError(bytes: Uint8Array, pattern: RegExp): void {
  assert.throws(
    () => decodeModelFile(bytes, 'model.st'),
    (err: unknown) => err instanceof ModelFileError && pattern.test(err.message),
  );
}

/** Recomputes header_sha256 following the recipe documented in model_file.ts (for crafting files). */
function craft(metadata: Record<string, string>): Buffer {
  const t = tensors();
  const draft = serializeSafetensors(t, metadata);
  const { header } = specParse(draft);
  const metaPairs = Object.keys(metadata)
    .filter((k) => k !== 'header_sha256')
    .sort()
    .map((k) => [k, metadata[k]]);
  const table = Object.keys(header)
    .filter((k) => k !== '__metadata__')
    .sort()
    .map((k) => [k, header[k].dtype, header[k].shape, ...header[k].data_offsets]);
  const digest = createHash('sha256')
    .update(JSON.stringify({ meta: metaPairs, table }))
    .digest('hex');
  return Buffer.concat(encodeSafetensors(t, { ...metadata, header_sha256: digest }));
}

function goodMetadata(bytes: Buffer): Record<string, string> {
  return specParse(bytes).header.__metadata__;
}

test('save then load round-trips tensors and meta, and records versions', () => {
  const dir = scratch();
  try {
    const p = join(dir, 'm.safetensors');
    saveModelFile(p, tensors(), meta);
    assert.deepEqual(readdirSync(dir), ['m.safetensors']);
    const got = loadModelFile(p);
    assert.deepEqual(got.meta, meta);
    assert.equal(got.formatVersion, MODEL_FORMAT_VERSION);
    assert.equal(got.slimctrVersion, VERSION);
    assert.deepEqual([...got.tensors.keys()], [...tensors().keys()]);
    for (const [name, t] of tensors()) assert.deepEqual([...got.tensors.get(name)!.data], [...t.data], name);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a standard safetensors reader can read the file', () => {
  const buf = Buffer.concat(encodeModelFile(tensors(), meta));
  const { header, data } = specParse(buf);
  const md = header.__metadata__;
  assert.equal(md.format, 'slimctr-model');
  assert.equal(md.format_version, MODEL_FORMAT_VERSION);
  assert.equal(md.slimctr_version, VERSION);
  assert.deepEqual(JSON.parse(md.slimctr), meta);
  assert.equal(md.data_sha256, createHash('sha256').update(data).digest('hex'));
  for (const v of Object.values(md)) assert.equal(typeof v, 'string');
  const w = header['mlp.0.weight'];
  assert.equal(w.dtype, 'F32');
  assert.deepEqual(w.shape, [2, 2]);
  const [b, e] = w.data_offsets;
  const floats = [];
  for (let i = b; i < e; i += 4) floats.push(data.readFloatLE(i));
  assert.deepEqual(floats, [1, -2, 3.5, 0.25]);
  const v = header.vocab.data_offsets[0];
  assert.equal(data.readBigInt64LE(v + 16), 30n);
});

test('a truncated file is refused', () => {
  const buf = Buffer.concat(encodeModelFile(tensors(), meta));
  for (const cut of [0, 7, 8, 100, buf.length - 1]) expectModelError(buf.subarray(0, cut), /truncated/);
});

test('every flipped bit in the header or the data is caught', () => {
  const buf = Buffer.concat(encodeModelFile(tensors(), meta));
  decodeModelFile(buf); // the intact file loads
  const dataStart = 8 + Number(buf.readBigUInt64LE(0));
  for (let i = 0; i < buf.length; i++) {
    for (const bit of [0x01, 0x80]) {
      const bad = Buffer.from(buf);
      bad[i] ^= bit;
      assert.throws(() => decodeModelFile(bad, 'model.st'), ModelFileError, `flip 0x${bit.toString(16)} at byte ${i}`);
    }
  }
  // and the data flips say which part is damaged
  const bad = Buffer.from(buf);
  bad[dataStart + 2] ^= 0x10;
  expectModelError(bad, /data checksum mismatch/);
  const text = buf.toString('latin1');
  assert.ok(text.includes('rank\\":8'));
  const renamed = Buffer.from(text.replace('rank\\":8', 'rank\\":9'), 'latin1');
  expectModelError(renamed, /header checksum mismatch/);
});

test('bad JSON in the header or in the slimctr meta is refused', () => {
  const buf = Buffer.concat(encodeModelFile(tensors(), meta));
  const broken = Buffer.from(buf);
  broken[8] = 0x5b; // '{' -> '['
  expectModelError(broken, /corrupt safetensors header/);
  const md = goodMetadata(buf);
  expectModelError(craft({ ...md, slimctr: '{"model": ' }), /slimctr metadata is not valid JSON/);
  expectModelError(craft({ ...md, slimctr: '[1,2]' }), /slimctr metadata is not a JSON object/);
  // the crafting recipe itself produces loadable files
  assert.deepEqual(decodeModelFile(craft(md)).meta, meta);
});

test('newer major formats name the slimctr needed; bad or missing versions are refused', () => {
  const md = goodMetadata(Buffer.concat(encodeModelFile(tensors(), meta)));
  expectModelError(
    craft({ ...md, format_version: '4.0', slimctr_version: '0.9.0' }),
    /model format 4\.0 is newer .*upgrade to slimctr 0\.9\.0 or later/,
  );
  expectModelError(craft({ ...md, format_version: 'one' }), /bad format_version "one"/);
  expectModelError(craft({ ...md, format_version: '0.3' }), /unsupported model format 0\.3/);
  const { format: _f, ...noFormat } = md;
  expectModelError(craft(noFormat), /not a slimctr model file/);
  expectModelError(serializeSafetensors(tensors()), /not a slimctr model file/);
  // a newer minor version is readable
  assert.equal(decodeModelFile(craft({ ...md, format_version: '1.7' })).formatVersion, '1.7');
});

test('saving over an existing model is atomic and loadModelFile reports the path', () => {
  const dir = scratch();
  try {
    const p = join(dir, 'm.safetensors');
    saveModelFile(p, tensors(), meta);
    saveModelFile(p, tensors(), { ...meta, rank: 4 });
    assert.equal(loadModelFile(p).meta.rank, 4);
    writeFileSync(p, readFileSync(p).subarray(0, 50));
    assert.throws(
      () => loadModelFile(p),
      (e: unknown) => e instanceof ModelFileError && e.message.startsWith(`${p}: `),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a damaged format_version is reported as damage (header checksum), not as a newer version to upgrade to', () => {
  const buf = Buffer.concat(encodeModelFile(tensors(), meta));
  const text = buf.toString('latin1');
  const at = text.indexOf(`"format_version":"${MODEL_FORMAT_VERSION}"`);
  assert.ok(at > 0);
  const bad = Buffer.from(buf);
  bad[at + '"format_version":"'.length] = '9'.charCodeAt(0); // e.g. 2.0 -> 9.0 by a flipped byte
  expectModelError(bad, /corrupt: header checksum mismatch/);
  assert.throws(
    () => decodeModelFile(bad, 'model.st'),
    (err: unknown) => !/newer|upgrade/.test((err as Error).message),
  );
});
