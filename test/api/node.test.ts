import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compress } from '../../src/api/node.js';
import { ConfigError } from '../../src/util/errors.js';

test('compress() checks its rank choice before it reads the run: a bad one is a ConfigError naming the key', async () => {
  const bad = (rank: unknown, key: string) =>
    assert.rejects(
      compress('no-such-run', { method: 'afm', rank: rank as never }),
      (e: unknown) => e instanceof ConfigError && e.path === key,
      JSON.stringify(rank),
    );
  await bad({ by: 'ratio', ratio: 0.5 }, 'rank.ratio');
  await bad({ by: 'energy', energy: 0.9, ratio: 2 }, 'rank.ratio');
  await bad({ by: 'size' }, 'rank.by');
  await bad(undefined, 'rank');
});

test('compress() checks quantize before it reads the run: int8 or int4, and not with a file-size budget', async () => {
  const bad = (opts: Record<string, unknown>, words: RegExp) =>
    assert.rejects(
      compress('no-such-run', { method: 'afm', rank: { by: 'ranks', ranks: {} }, ...opts } as never),
      (e: unknown) => e instanceof ConfigError && e.path === 'quantize' && words.test(e.message),
      JSON.stringify(opts),
    );
  await bad({ quantize: 'int2' }, /must be int8 or int4, got "int2"/);
  await bad({ quantize: 'int8', rank: { by: 'bytes', bytes: 1e6 } }, /chooses the bits itself/);
});
