/**
 * The package as a user installs it (test/package/installed.ts): what the tarball holds, the CLI
 * through npx, a TypeScript consumer type-checked and run against the installed types, and a
 * browser bundle of `slimctr/web` that must not pull in any Node built-in.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getEngine } from '../../src/kernels/engine.js';
import { loadModel } from '../../src/persist/model_file.js';
import { parseRows } from '../../src/web/rows.js';
import { encodeRows, inputColumns, predictProbabilities } from '../../src/api/score.js';
import { fixtureRowsTsv, saveFixtureModel } from '../web/model_fixture.js';
import { bundleConsumerPage, compileConsumer, installPackage, repoRoot, type Installed } from './installed.js';

let pkg: Installed;
let modelPath = '';

before(async () => {
  pkg = installPackage();
  await getEngine();
  modelPath = join(pkg.project, 'model.safetensors');
  saveFixtureModel(modelPath);
});

test("the tarball holds the compiled JS, its types, both kernel builds and the native kernels' sources, and no tests, benches, other sources or maps", () => {
  const files = pkg.pack.files.map((f) => f.path);
  for (const f of [
    'bin/slimctr.js',
    'dist/src/index.js',
    'dist/src/index.d.ts',
    'dist/src/cli/main.js',
    'dist/kernels/kernels.wasm',
    'dist/kernels/kernels-relaxed.wasm',
    'dist/lib/web.js',
    'dist/lib/kernels.wasm',
    'dist/web/index.html',
    'package.json',
    'README.md',
    'LICENSE',
    'native/binding.gyp',
    'native/build.mjs',
    'native/src/addon.c',
    'native/src/gemm_driver.h',
  ]) {
    assert.ok(files.includes(f), `${f} is in the tarball`);
  }
  const stray = files.filter(
    (f) =>
      /^(src|test|bench|scripts|docs)\/|^dist\/(test|bench)\/|^native\/(build|test)\/|\.map$|\.ts$/.test(f) &&
      !f.endsWith('.d.ts'),
  );
  assert.deepEqual(stray, []);
  const scripts = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')).scripts;
  assert.match(scripts.prepack, /npm run build/, 'prepack builds, so a tarball always carries dist');
});

test('installing the tarball builds the native kernels where this repository could (npm runs native/build.mjs)', () => {
  const own = existsSync(join(repoRoot, 'native', 'build', 'Release', 'slimctr_native.node'));
  const installed = existsSync(
    join(pkg.project, 'node_modules', 'slimctr', 'native', 'build', 'Release', 'slimctr_native.node'),
  );
  assert.equal(installed, own, own ? 'the consumer install built the addon' : 'no compiler here: no addon either side');
  const info = spawnSync('npx', ['--no-install', 'slimctr', 'info'], {
    cwd: pkg.project,
    encoding: 'utf8',
    env: { ...process.env, SLIMCTR_BACKEND: 'auto' },
  });
  assert.equal(info.status, 0, info.stderr);
  assert.match(info.stdout, own ? /^backend native$/m : /^backend wasm /m);
});

test('npx slimctr --help and demo --quick run from the installed package', () => {
  const help = spawnSync('npx', ['--no-install', 'slimctr', '--help'], { cwd: pkg.project, encoding: 'utf8' });
  assert.equal(help.status, 0, help.stderr);
  assert.match(help.stdout, /Usage: slimctr/);
  const demo = spawnSync('npx', ['--no-install', 'slimctr', 'demo', '--quick', '--threads', '1'], {
    cwd: pkg.project,
    encoding: 'utf8',
  });
  assert.equal(demo.status, 0, demo.stderr);
  assert.ok(existsSync(join(pkg.project, 'runs', 'demo-quick', 'comparison.md')), demo.stdout);
});

test('without the optional onnxruntime-node, serve --engine onnx says what to install', () => {
  const r = spawnSync(
    'npx',
    ['--no-install', 'slimctr', 'serve', '--model', modelPath, '--engine', 'onnx', '--port', '0', '--workers', '1'],
    { cwd: pkg.project, encoding: 'utf8', timeout: 60_000 },
  );
  assert.equal(r.status, 1, r.stderr);
  assert.equal(
    r.stderr.trim(),
    'slimctr serve: --engine onnx needs the optional package onnxruntime-node, and it is not installed: install it beside slimctr with `npm install onnxruntime-node`',
  );
});

/** Node's probabilities for the fixture rows, computed in the repository. */
function expected(): number[] {
  const loaded = loadModel(modelPath);
  const parsed = parseRows(fixtureRowsTsv, inputColumns(loaded));
  return [
    ...predictProbabilities(loaded.model, encodeRows(parsed.rows, loaded.encoders, loaded.meta.features, parsed.lines)),
  ];
}

test('a TypeScript consumer of `slimctr` type-checks against the installed types and predicts like the repository', () => {
  const src = `import { loadModel, SlimctrError, type Model, type RawRow } from 'slimctr';
const model: Model = await loadModel(process.argv[2], { threads: 1 });
const rows: RawRow[] = JSON.parse(process.argv[3]);
try {
  model.predict([{ C1: 'news' }]);
} catch (err) {
  if (!(err instanceof SlimctrError)) throw err;
}
console.log(JSON.stringify([...model.predict(rows)]));
`;
  const consumer = compileConsumer(pkg.project, 'consumer', src);
  const columns = inputColumns(loadModel(modelPath));
  const rows = parseRows(fixtureRowsTsv, columns).rows;
  const out = execFileSync(process.execPath, [consumer, modelPath, JSON.stringify(rows)], {
    cwd: pkg.project,
    encoding: 'utf8',
  });
  const got = JSON.parse(out) as number[];
  const want = expected();
  assert.equal(got.length, want.length);
  got.forEach((p, i) => assert.ok(Math.abs(p - want[i]) <= 1e-6, `row ${i + 1}: ${p} against ${want[i]}`));
});

test('a page importing `slimctr/web` bundles for browsers with no Node built-in anywhere in its graph', async () => {
  const { result, nodeImports, file } = await bundleConsumerPage(pkg, join(pkg.project, 'bundle'));
  assert.deepEqual(nodeImports, []);
  assert.deepEqual(result.errors, []);
  assert.doesNotMatch(readFileSync(file, 'utf8'), /["']node:/);
  const inputs = Object.keys(result.metafile.inputs);
  assert.ok(
    inputs.some((f) => f.includes('node_modules/slimctr/dist/lib/web.js')),
    inputs.join(', '),
  );
});
