/**
 * docs/guide.md's walkthrough, run as written: every line of its shell blocks, in order, in a
 * scratch folder. `./bin/slimctr.js` is this repository's CLI; a line ending in `&` starts in the
 * background (the server, moved to a free port); `curl -d` becomes the same POST from fetch; its
 * Node block (a binary v2 request) runs with node against that server and must print a probability.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fixturePath } from '../models/onnx/fixture_files.js';
import { scratchDir } from '../train/toy_data.js';
import { startServer, stopServer, words } from './doc_commands.js';

const bin = fileURLToPath(new URL('../../../bin/slimctr.js', import.meta.url));
const guide = readFileSync(fileURLToPath(new URL('../../../docs/guide.md', import.meta.url)), 'utf8');

/** The command lines of the ```sh blocks of the section whose heading starts with `heading`. */
/** The code blocks fenced as `lang` in the section under `heading`. */
function sectionBlocks(md: string, heading: string, lang: string): string[] {
  const start = md.indexOf(heading);
  assert.ok(start >= 0, `docs/guide.md has a section ${heading}`);
  const end = md.indexOf('\n## ', start + 1);
  const section = md.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(new RegExp(`\`\`\`${lang}\n([\\s\\S]*?)\`\`\``, 'g'))].map((m) => m[1]);
}

export function sectionCommands(md: string, heading: string): string[][] {
  return sectionBlocks(md, heading, 'sh')
    .flatMap((block) => block.split('\n'))
    .map(words)
    .filter((w) => w.length > 0);
}

test('the guide parses quotes and comments the way a shell would', () => {
  assert.deepEqual(words(`curl -d '{"a": "# not a comment"}' x   # comment`), [
    'curl',
    '-d',
    '{"a": "# not a comment"}',
    'x',
  ]);
});

test('docs/guide.md walkthrough: every command runs, in order, and leaves what the text says', async () => {
  const cmds = sectionCommands(guide, '## The walkthrough');
  assert.ok(cmds.length >= 10, `only ${cmds.length} commands found in the walkthrough`);
  const dir = scratchDir('guide');
  let server: ChildProcess | null = null;
  let url = '';
  try {
    for (const w of cmds) {
      const shown = w.join(' ');
      if (w[0] === './bin/slimctr.js' && w[w.length - 1] === '&') {
        const args = w.slice(1, -1).map((a, i, all) => (all[i - 1] === '--port' ? '0' : a));
        const started = startServer(bin, args, dir, shown);
        server = started.child;
        url = await started.url;
      } else if (w[0] === './bin/slimctr.js') {
        const r = spawnSync(process.execPath, [bin, ...w.slice(1)], { cwd: dir, encoding: 'utf8' });
        assert.equal(r.status, 0, `${shown}\n${r.stderr}`);
      } else if (w[0] === 'curl') {
        const body = w[w.indexOf('-d') + 1];
        const path = new URL(w.find((a) => a.startsWith('http'))!).pathname;
        const res = await fetch(url + path, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
        const text = await res.text();
        assert.equal(res.status, 200, `${shown}: ${text}`);
        // {"predictions": [...]}, or the Open Inference Protocol's {"outputs": [{"data": [...]}]}.
        const answer = JSON.parse(text) as { predictions?: number[]; outputs?: { data: number[] }[] };
        const preds = answer.predictions ?? answer.outputs![0].data;
        assert.equal(preds.length, 1);
        assert.ok(preds[0] > 0 && preds[0] < 1, `probability ${preds[0]}`);
      } else {
        assert.fail(`the walkthrough has a command the test does not know how to run: ${shown}`);
      }
    }
    // Its Node example (the binary request), run against the same server.
    for (const [k, script] of sectionBlocks(guide, '## The walkthrough', 'js').entries()) {
      const file = join(dir, `example-${k}.mjs`);
      writeFileSync(file, script.replaceAll('http://127.0.0.1:8080', url));
      const r = spawnSync(process.execPath, [file], { cwd: dir, encoding: 'utf8' });
      assert.equal(r.status, 0, `${file}\n${r.stderr}`);
      const last = Number(r.stdout.trim().split('\n').at(-1));
      assert.ok(last > 0 && last < 1, `the example prints a probability last: ${r.stdout}`);
    }
  } finally {
    if (server) assert.equal(await stopServer(server), 0, 'the server exits cleanly on SIGTERM');
  }
  for (const f of [
    'clicks.csv',
    'my.yaml',
    'runs/deepfm/model.safetensors',
    'runs/deepfm-afm/model.safetensors',
    'runs/deepfm-afm/control.safetensors',
    'runs/deepfm-svd/model.safetensors',
    'model.onnx',
  ]) {
    assert.ok(existsSync(join(dir, f)), `${f} is missing`);
  }
  const small = statSync(join(dir, 'runs/deepfm-small/model.safetensors')).size;
  assert.ok(small <= 400_000, `--bytes 400KB wrote ${small} bytes`);
  assert.ok(statSync(join(dir, 'runs/deepfm/model.safetensors')).size > 5 * small, 'well below the original');
  const preds = readFileSync(join(dir, 'preds.csv'), 'utf8').trim().split('\n');
  assert.equal(preds.length, 20_001, 'a header and one probability per row');
});

test('docs/guide.md from PyTorch: inspect-onnx, compress --onnx and compare run as written on a PyTorch export', () => {
  const dir = scratchDir('guide-pytorch');
  // A tiny PyTorch DeepFM export with its inputs and labels (test/fixtures/onnx), under the guide's names.
  copyFileSync(fixturePath('deepfm_matrix_op17', '.onnx'), join(dir, 'model.onnx'));
  for (const f of ['calib.npz', 'test.npz'])
    copyFileSync(fixturePath('deepfm_matrix_op17', '.inputs.npz'), join(dir, f));
  const cmds = sectionCommands(guide, '## From PyTorch');
  assert.equal(cmds.length, 3);
  const out: string[] = [];
  for (const w of cmds) {
    assert.equal(w[0], './bin/slimctr.js', w.join(' '));
    const r = spawnSync(process.execPath, [bin, ...w.slice(1)], { cwd: dir, encoding: 'utf8' });
    assert.equal(r.status, 0, `${w.join(' ')}\n${r.stderr}`);
    out.push(r.stdout);
  }
  assert.match(out[0], /compressible: /);
  // A toy graph: fewer parameters, though its bytes are mostly graph and names.
  const [, before, after] = /(\d+) -> (\d+) parameters/.exec(out[1]) ?? [];
  assert.ok(Number(after) < Number(before), out[1]);
  assert.ok(existsSync(join(dir, 'model.slim.onnx')));
  assert.match(out[2], new RegExp(`\\| model\\.slim +\\| ${after} `));
});
