import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseSafetensorsHeader, headerLength } from '../../src/io/safetensors.js';
import { getEngine } from '../../src/kernels/engine.js';
import { fileBytesOf } from '../../src/persist/file_bytes.js';
import { scratchDir } from '../train/toy_data.js';
import { savedModel } from './saved_model.js';

before(async () => {
  await getEngine();
});

test("a model file's bytes split into weights, encoders and metadata that add up to the file", () => {
  const { path, weights, encoders } = savedModel(scratchDir('bytes'));
  const data = readFileSync(path);
  const n = headerLength(data.subarray(0, 8), data.length, path);
  const { entries } = parseSafetensorsHeader(data.subarray(8, 8 + n), data.length - 8 - n, path);
  const bytes = fileBytesOf(entries, data.length);
  assert.ok(weights > 0 && encoders > 0);
  assert.deepEqual(bytes, { total: data.length, weights, encoders, metadata: 8 + n });
});
