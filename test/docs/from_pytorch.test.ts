/**
 * docs/from-pytorch.md's "Serve it" commands, run as written against the fixture the text names
 * (test/fixtures/onnx/deepfm_matrix_op17.onnx, copied as model.slim.onnx): `npx slimctr serve ...
 * &` starts this repository's CLI on a free port; each `curl` becomes the same request from fetch,
 * and every answer must carry PyTorch's recorded outputs for the rows the text sends.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readNpz } from '../../src/data/formats/npz.js';
import { fixturePath } from '../models/onnx/fixture_files.js';
import { maxGap } from '../serve/fixture.js';
import { scratchDir } from '../train/toy_data.js';
import { startServer, stopServer, words } from './doc_commands.js';

const bin = fileURLToPath(new URL('../../../bin/slimctr.js', import.meta.url));
const doc = readFileSync(fileURLToPath(new URL('../../../docs/from-pytorch.md', import.meta.url)), 'utf8');

function serveCommands(md: string): string[][] {
  const start = md.indexOf('## 5. Serve it');
  assert.ok(start >= 0, 'docs/from-pytorch.md has a "Serve it" section');
  const block = /```sh\n([\s\S]*?)```/.exec(md.slice(start));
  assert.ok(block, 'the section has a ```sh block');
  return block[1]
    .split('\n')
    .map(words)
    .filter((w) => w.length > 0);
}

test('docs/from-pytorch.md: the serve commands run as written and answer PyTorch\u2019s outputs', async () => {
  const cmds = serveCommands(doc);
  const dir = scratchDir('from-pytorch-serve');
  copyFileSync(fixturePath('deepfm_matrix_op17', '.onnx'), join(dir, 'model.slim.onnx'));
  const expected = Array.from(readNpz(fixturePath('deepfm_matrix_op17', '.expected.npz')).get('prob')!.data);
  let server: ChildProcess | null = null;
  let url = '';
  let curls = 0;
  try {
    for (const w of cmds) {
      const shown = w.join(' ');
      if (w[0] === 'npx' && w[1] === 'slimctr' && w[w.length - 1] === '&') {
        const args = w.slice(2, -1).map((a, i, all) => (all[i - 1] === '--port' ? '0' : a));
        const started = startServer(bin, [...args, '--workers', '1'], dir, shown);
        server = started.child;
        url = await started.url;
      } else if (w[0] === 'curl') {
        curls++;
        const d = w.indexOf('-d');
        const path = new URL(`http://${w.find((a) => a.startsWith('localhost:'))!}`).pathname;
        const res = await fetch(url + path, d < 0 ? {} : { method: 'POST', body: w[d + 1] });
        const text = await res.text();
        assert.equal(res.status, 200, `${shown}: ${text}`);
        const answer = JSON.parse(text) as {
          predictions?: number[];
          outputs?: { data: number[] }[];
          inputs?: unknown[];
        };
        if (d < 0) {
          assert.deepEqual(answer.inputs, [
            { name: 'ids', datatype: 'INT64', shape: [-1, 3] },
            { name: 'dense', datatype: 'FP32', shape: [-1, 2] },
          ]);
          continue;
        }
        const got = answer.predictions ?? answer.outputs![0].data;
        assert.ok(maxGap(got, expected.slice(0, 2)) <= 1e-5, `${shown}: ${got} vs PyTorch ${expected.slice(0, 2)}`);
      } else {
        assert.fail(`the serve section has a command the test does not know how to run: ${shown}`);
      }
    }
  } finally {
    if (server) assert.equal(await stopServer(server), 0, 'the server exits cleanly on SIGTERM');
  }
  assert.ok(curls >= 4, `only ${curls} curl commands in the serve section`);
});
