import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { readLineChunks } from '../../../src/data/formats/chunks.js';
import { DataError } from '../../../src/util/errors.js';
import { scratchDir } from '../../train/toy_data.js';

test('a line over the limit is reported with its line number (not line 0)', async () => {
  const file = join(scratchDir('longline'), 'a.csv');
  writeFileSync(file, `label,c\n1,a\n0,${'x'.repeat(5000)}\n1,b\n`);
  await assert.rejects(
    async () => {
      for await (const _ of readLineChunks(file, { chunkBytes: 256, maxLineBytes: 1000 })) {
        /* read */
      }
    },
    (e: unknown) =>
      e instanceof DataError && e.line === 3 && /a\.csv:3: line 3 is longer than 1000 bytes/.test(e.message),
  );
  // Lines under the limit are read whole, however many chunks they span.
  const lines: string[] = [];
  for await (const c of readLineChunks(file, { chunkBytes: 256, maxLineBytes: 10_000 }))
    lines.push(...c.buf.toString().split('\n').filter(Boolean));
  assert.deepEqual(
    lines.map((l) => l.length),
    [7, 3, 5002, 3],
  );
});

test('inspect on a file with one 50 MB line stays within a bounded memory (about twice the line)', () => {
  const file = join(scratchDir('longline'), 'long.csv');
  const fd = openSync(file, 'w');
  writeSync(fd, `label,I1,C1\n${Array.from({ length: 100 }, (_, i) => `${i % 2},${i},a${i}`).join('\n')}\n`);
  writeSync(fd, `${'7,'.repeat(25_000_000)}7\n`);
  writeSync(fd, `${Array.from({ length: 100 }, (_, i) => `${i % 2},${i},a${i}`).join('\n')}\n`);
  closeSync(fd);
  // The child reports its own peak resident memory after inspecting.
  const script = `const { main } = await import(${JSON.stringify(new URL('../../../src/cli/main.js', import.meta.url).href)});
    process.stdout.write = () => true;
    const code = await main(['inspect', ${JSON.stringify(file)}]);
    console.error('maxRSS ' + process.resourceUsage().maxRSS + ' code ' + code);`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  const m = /maxRSS (\d+) code (\d+)/.exec(r.stderr);
  assert.ok(m, r.stderr);
  const mb = Number(m[1]) / 1024;
  assert.ok(mb < 240, `inspect peaked at ${mb.toFixed(0)} MB for a 50 MB line`);
});
