import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inspectFile } from '../../src/data/inspect.js';
import { scratchDir } from '../train/toy_data.js';

const bin = fileURLToPath(new URL('../../../bin/slimctr.js', import.meta.url));

test('inspect: one bad cell in a numeric column is reported like the readers do, not a reason to retype the column', async () => {
  for (const cell of ['\u0000', 'NaN', '0x10', ' 12 ', '1e400']) {
    const lines = ['label,I1,C1', ...Array.from({ length: 200 }, (_, i) => `${i % 2},${i + 1},a${i % 7}`)];
    lines[50] = `1,${cell},a1`;
    const file = join(scratchDir('inspect-cells'), 'one-bad.csv');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const r = await inspectFile(file);
    const i1 = r.columns.find((c) => c.name === 'I1')!;
    assert.equal(i1.numeric, true, `${JSON.stringify(cell)} retyped I1`);
    assert.equal(r.badRows.count, 1);
    const message = r.badRows.examples[0].message;
    assert.ok(
      message.includes(`one-bad.csv:51:2: column I1 holds numbers, but this cell is not one: ${JSON.stringify(cell)}`),
      message,
    );
    const strict = spawnSync(process.execPath, [bin, 'inspect', '--strict', file], { encoding: 'utf8' });
    assert.equal(strict.status, 1, `--strict with ${JSON.stringify(cell)}`);
  }
  // A text column with a few numbers is still text, and not malformed.
  const text = join(scratchDir('inspect-cells'), 'text.csv');
  writeFileSync(
    text,
    `label,C1\n${Array.from({ length: 200 }, (_, i) => `${i % 2},${i % 5 === 0 ? i : `v${i}`}`).join('\n')}\n`,
  );
  const t = await inspectFile(text);
  assert.equal(t.columns[1].numeric, false);
  assert.equal(t.badRows.count, 0);
});
