import { test } from 'node:test';
import assert from 'node:assert/strict';
import { engine } from '../../src/kernels/engine.js';
import { loadNative } from '../../src/kernels/native.js';
import { ensureEngine } from '../../src/train/setup.js';

test('ensureEngine starts the kernel backend a config asks for, and restarts only when threads or backend change', async () => {
  const wasm = await ensureEngine(1, 'wasm');
  assert.deepEqual([wasm.threads, wasm.backend.name], [1, 'wasm']);
  assert.equal(await ensureEngine(1, 'wasm'), wasm, 'same threads and backend: the same engine');
  const { addon } = await loadNative();
  if (addon) {
    const native = await ensureEngine(1, 'native');
    assert.notEqual(native, wasm);
    assert.equal(native.backend.name, 'native');
  }
  const auto = await ensureEngine(1, 'auto');
  assert.equal(auto.backend.name, addon ? 'native' : 'wasm');
  assert.equal(engine(), auto);
});
