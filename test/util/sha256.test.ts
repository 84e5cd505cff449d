import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as browser from '../../src/platform/browser.js';
import * as node from '../../src/platform/node.js';
import { sha256Hex } from '../../src/util/sha256.js';
import { mulberry32 } from '../helpers.js';

const native = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

function randomBytes(n: number, seed: number): Uint8Array {
  const rand = mulberry32(seed);
  return Uint8Array.from({ length: n }, () => Math.floor(rand() * 256));
}

test('sha256 matches the FIPS 180-4 examples', () => {
  const enc = new TextEncoder();
  assert.equal(sha256Hex([]), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  assert.equal(sha256Hex([enc.encode('abc')]), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  assert.equal(
    sha256Hex([enc.encode('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')]),
    '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
  );
});

test('sha256 agrees with node:crypto for every length around the block and padding edges, in any chunking', () => {
  const data = randomBytes(300, 1);
  for (let n = 0; n <= 300; n++) {
    const bytes = data.subarray(0, n);
    const cut1 = Math.floor(n / 3),
      cut2 = Math.floor((2 * n) / 3);
    assert.equal(sha256Hex([bytes]), native(bytes), `length ${n}`);
    assert.equal(
      sha256Hex([bytes.subarray(0, cut1), bytes.subarray(cut1, cut2), bytes.subarray(cut2)]),
      native(bytes),
      `length ${n}, 3 chunks`,
    );
  }
  const big = randomBytes(1 << 20, 2);
  assert.equal(sha256Hex([big]), native(big));
  assert.notEqual(sha256Hex([big.subarray(1)]), native(big), 'a different input gives a different digest');
});

test('the browser and Node platform modules export the same functions and agree', () => {
  assert.deepEqual(Object.keys(browser).sort(), Object.keys(node).sort());
  const bytes = randomBytes(1000, 3);
  assert.equal(browser.sha256Hex([bytes]), node.sha256Hex([bytes]));
  assert.equal(browser.defaultThreads(), 1);
  assert.ok(node.defaultThreads() >= 1);
});
