import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chart } from '../../src/report/svg.js';

test('chart draws one polyline per series with a legend, and escapes text', () => {
  const svg = chart(
    [
      {
        name: 'mlp.layer1 <a>',
        points: [
          [1, 0.5],
          [2, 0.8],
          [3, 1],
        ],
      },
      {
        name: 'emb',
        points: [
          [1, 0.9],
          [2, 1],
        ],
      },
    ],
    { title: 'Energy & rank', xLabel: 'rank', yLabel: 'energy kept' },
  );
  assert.match(svg, /^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  assert.equal((svg.match(/<polyline/g) ?? []).length, 2);
  assert.match(svg, /mlp.layer1 &lt;a&gt;/);
  assert.match(svg, /Energy &amp; rank/);
  assert.ok(svg.trim().endsWith('</svg>'));
});

test('scatter on a log axis skips non-positive x and draws circles', () => {
  const svg = chart(
    [
      { name: 'original', points: [[1e6, 0.76]] },
      {
        name: 'afm',
        points: [
          [2.5e5, 0.761],
          [0, 0.7],
        ],
      },
    ],
    { title: 'AUC vs size', xLabel: 'parameters', yLabel: 'test AUC', logX: true, scatter: true },
  );
  assert.equal((svg.match(/<circle/g) ?? []).length, 2);
  assert.ok(!svg.includes('NaN'));
});
