/**
 * `slimctr predict --input - --output -` as a cluster runs it (Spark's RDD.pipe, Hadoop streaming,
 * one job per shard): standard input to standard output, row order kept; shards piped through
 * several processes at once and joined equal one predict over the whole file; gzip on stdin.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { toyRun, type ToyRun } from '../serve/fixture.js';

const bin = fileURLToPath(new URL('../../../bin/slimctr.js', import.meta.url));

let run: ToyRun;
let whole = '';
before(async () => {
  run = await toyRun('predict-stream');
  const out = join(run.dir, 'whole.csv');
  const r = spawnSync(
    process.execPath,
    [bin, 'predict', '--model', run.runDir, '--input', run.file, '--output', out, '--quiet', '--threads', '1'],
    { encoding: 'utf8' },
  );
  assert.equal(r.status, 0, r.stderr);
  whole = readFileSync(out, 'utf8');
});

/** Runs predict from stdin to stdout on `input`; resolves to its stdout. */
function pipe(input: Buffer | string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [bin, 'predict', '--model', run.runDir, '--input', '-', '--output', '-', '--quiet', '--threads', '1'],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    let out = '',
      err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`exit ${code}: ${err}`))));
    child.stdin.end(input);
  });
}

test('predict - to - gives exactly what predict gives on the file, in row order', async () => {
  assert.equal(await pipe(readFileSync(run.file)), whole);
});

test('shards piped through several processes at once, joined in order, equal one predict over the whole file', async () => {
  const [header, ...lines] = readFileSync(run.file, 'utf8').trim().split('\n');
  const shards = 4,
    size = Math.ceil(lines.length / shards);
  const outs = await Promise.all(
    Array.from({ length: shards }, (_, s) =>
      pipe(`${[header, ...lines.slice(s * size, (s + 1) * size)].join('\n')}\n`),
    ),
  );
  const [outHeader] = whole.split('\n');
  const joined = [outHeader, ...outs.flatMap((o) => o.trim().split('\n').slice(1))].join('\n');
  assert.equal(`${joined}\n`, whole);
});

test('gzip on standard input is recognised by its magic bytes', async () => {
  assert.equal(await pipe(gzipSync(readFileSync(run.file))), whole);
});

test('a bad row read from standard input names line and column and exits non-zero', async () => {
  const text = readFileSync(run.file, 'utf8').split('\n');
  text[5] = text[5].replace(/^(\d),(\d+),/, '$1,lots,');
  await assert.rejects(pipe(text.join('\n')), /-:6:2: unparsable number 'lots'/);
});
