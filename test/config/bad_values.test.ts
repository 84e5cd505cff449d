import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readConfigFile, validateConfig } from '../../src/config/load.js';
import { describeValue } from '../../src/config/schema_walk.js';
import { trainingSchema } from '../../src/config/training.js';
import { z } from 'zod';
import { ConfigError } from '../../src/util/errors.js';

test('NaN and infinite config values are shown as written, not as "got null"', () => {
  assert.equal(describeValue(NaN), 'NaN');
  assert.equal(describeValue(-Infinity), '-Infinity');
  assert.equal(describeValue({ lr: [1, NaN] }), '{"lr":[1,NaN]}');
  const schema = z.object({ training: trainingSchema.prefault({}) });
  for (const [text, shown] of [
    ['training:\n  lr: .nan\n', 'NaN'],
    ['{"training": {"lr": 1e400}}', 'Infinity'],
  ]) {
    const file = join(mkdtempSync(join(tmpdir(), 'slimctr-badvalues-')), 'c.yaml');
    writeFileSync(file, text);
    assert.throws(
      () => validateConfig(schema, readConfigFile(file)),
      (e: unknown) => e instanceof ConfigError && e.path === 'training.lr' && e.message.endsWith(`got ${shown}`),
    );
  }
});
