import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic, writeFileAtomicAsync } from '../../src/io/atomic.js';

function scratch(): string {
  return mkdtempSync(join(tmpdir(), 'slimctr-atomic-'));
}

/** A chunk list that yields one chunk and then fails, like a disk that fills up mid-write. */
function failingChunks(first: Uint8Array): Uint8Array[] {
  return {
    *[Symbol.iterator]() {
      yield first;
      throw new Error('disk full');
    },
  } as unknown as Uint8Array[];
}

test('writeFileAtomic creates and replaces files from strings, bytes and chunk lists', () => {
  const dir = scratch();
  try {
    const p = join(dir, 'a.txt');
    writeFileAtomic(p, 'hello');
    assert.equal(readFileSync(p, 'utf8'), 'hello');
    writeFileAtomic(p, new Uint8Array([65, 66]));
    assert.equal(readFileSync(p, 'utf8'), 'AB');
    writeFileAtomic(p, [Buffer.from('x'), new Uint8Array(0), Buffer.from('yz')]);
    assert.equal(readFileSync(p, 'utf8'), 'xyz');
    assert.deepEqual(readdirSync(dir), ['a.txt']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a failure between write and rename leaves the old content and no temp file', () => {
  const dir = scratch();
  try {
    const p = join(dir, 'model.bin');
    writeFileSync(p, 'old');
    let sawTemp = '';
    assert.throws(
      () =>
        writeFileAtomic(p, 'new content', {
          beforeRename(temp) {
            // the new bytes are complete and durable in the temp file, the target is untouched
            sawTemp = readFileSync(temp, 'utf8');
            assert.equal(readFileSync(p, 'utf8'), 'old');
            throw new Error('crash before rename');
          },
        }),
      /crash before rename/,
    );
    assert.equal(sawTemp, 'new content');
    assert.equal(readFileSync(p, 'utf8'), 'old');
    assert.deepEqual(readdirSync(dir), ['model.bin']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a failure mid-write never replaces the target and cleans up', () => {
  const dir = scratch();
  try {
    const p = join(dir, 'model.bin');
    writeFileSync(p, 'old');
    assert.throws(() => writeFileAtomic(p, failingChunks(Buffer.from('partial'))), /disk full/);
    assert.equal(readFileSync(p, 'utf8'), 'old');
    assert.deepEqual(readdirSync(dir), ['model.bin']);
    // and a new target is not created at all
    const q = join(dir, 'fresh.bin');
    assert.throws(() => writeFileAtomic(q, failingChunks(Buffer.from('partial'))), /disk full/);
    assert.equal(existsSync(q), false);
    assert.deepEqual(readdirSync(dir), ['model.bin']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('writing into a missing folder throws ENOENT', () => {
  const dir = scratch();
  try {
    assert.throws(() => writeFileAtomic(join(dir, 'no', 'such', 'f'), 'x'), { code: 'ENOENT' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('writeFileAtomicAsync replaces atomically and cleans up on failure', async () => {
  const dir = scratch();
  try {
    const p = join(dir, 'c.json');
    await writeFileAtomicAsync(p, '{"a":1}');
    assert.equal(readFileSync(p, 'utf8'), '{"a":1}');
    await assert.rejects(
      writeFileAtomicAsync(p, 'broken', {
        async beforeRename() {
          throw new Error('crash');
        },
      }),
      /crash/,
    );
    await assert.rejects(writeFileAtomicAsync(p, failingChunks(Buffer.from('p'))), /disk full/);
    assert.equal(readFileSync(p, 'utf8'), '{"a":1}');
    assert.deepEqual(readdirSync(dir), ['c.json']);
    await writeFileAtomicAsync(p, [Buffer.from('ok')]);
    assert.equal(readFileSync(p, 'utf8'), 'ok');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
