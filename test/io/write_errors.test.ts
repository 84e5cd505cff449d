import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic, writeFileAtomicAsync } from '../../src/io/atomic.js';
import { AtomicFileWriter } from '../../src/io/atomic_stream.js';
import { OutputError } from '../../src/util/errors.js';
import { scratchDir } from '../train/toy_data.js';

const enospc = (): never => {
  throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
};

test('write failures name the path and the reason (disk full, missing folder, a folder in the way)', async () => {
  const dir = scratchDir('writeerr');
  const target = join(dir, 'model.safetensors');
  const named = (re: RegExp) => (e: unknown) => e instanceof OutputError && re.test(e.message);
  assert.throws(
    () => writeFileAtomic(target, 'x', { beforeRename: enospc }),
    named(/model\.safetensors: cannot write: no space left on the device \(ENOSPC\)/),
  );
  await assert.rejects(
    writeFileAtomicAsync(target, 'x', { beforeRename: enospc }),
    named(/model\.safetensors: cannot write: no space left/),
  );
  assert.throws(
    () => writeFileAtomic(join(dir, 'nope', 'a.txt'), 'x'),
    named(/a\.txt: cannot write: folder .*nope does not exist/),
  );
  mkdirSync(join(dir, 'afolder'));
  assert.throws(() => writeFileAtomic(join(dir, 'afolder'), 'x'), named(/afolder: cannot write: it is a folder/));
  await assert.rejects(
    AtomicFileWriter.open(join(dir, 'nope', 'p.csv')),
    named(/p\.csv: cannot write: folder .*nope does not exist/),
  );
  assert.deepEqual(readdirSync(dir).sort(), ['afolder'], 'no temp file left');
});

test('stale temp files of dead processes are swept on the next write in that folder; live ones are kept', () => {
  const dir = scratchDir('sweep');
  const dead = '.model.safetensors.999999999.0badc0de.tmp'; // pid above the kernel's maximum: never alive
  const live = `.model.safetensors.${process.ppid}.0a0b0c0d.tmp`;
  writeFileSync(join(dir, dead), 'half a model');
  writeFileSync(join(dir, live), 'being written by the parent');
  writeFileSync(join(dir, '.notes.txt'), 'not ours');
  writeFileAtomic(join(dir, 'config.yaml'), 'a: 1\n');
  assert.deepEqual(
    readdirSync(dir).sort(),
    ['.model.safetensors.' + process.ppid + '.0a0b0c0d.tmp', '.notes.txt', 'config.yaml'].sort(),
  );
  assert.equal(readFileSync(join(dir, 'config.yaml'), 'utf8'), 'a: 1\n');
});
