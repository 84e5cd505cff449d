/**
 * The layer map, checked: every import between folders of src/ must go from a higher tier to a
 * lower one (data flows one way), and README.md's layout section must state the same tiers and
 * list every folder. KNOWN lists edges that break the rule and are still to be removed (none now);
 * a new one fails the test, and so does a KNOWN edge that has gone (so the list only shrinks).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const src = join(root, 'src');

/** Tiers, lowest first: a folder may import only folders of lower tiers. */
export const TIERS: string[][] = [
  ['util', 'version'],
  ['platform'],
  ['io', 'metrics'],
  ['kernels', 'data'],
  ['config'],
  ['tensor'],
  ['embedding'],
  ['autograd', 'optim'],
  ['nn'],
  ['models'],
  ['compress'],
  ['persist'],
  ['train', 'serve', 'report'],
  ['jobs'],
  ['cli', 'api'],
  ['web', 'index'],
];

/** Upward or sideways edges still to be removed (importing file -> imported file, relative to src/); none today. */
const KNOWN = new Set<string>([]);

const tierOf = new Map(TIERS.flatMap((folders, t) => folders.map((f) => [f, t] as const)));

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return name === 'assembly' ? [] : tsFiles(p);
    return p.endsWith('.ts') ? [p] : [];
  });
}

/** The layer of a file: its top folder under src/, or its name for a file at the top. */
function layerOf(file: string): string {
  const parts = relative(src, file).split('/');
  return parts.length === 1 ? parts[0].replace(/\.ts$/, '') : parts[0];
}

/** Every relative import (static, dynamic or type-only) of every file: [from, to] paths. */
function edges(): [string, string][] {
  return tsFiles(src).flatMap((file) =>
    [...readFileSync(file, 'utf8').matchAll(/(?:from|import\()\s*'(\.{1,2}\/[^']+)'/g)].map(
      (m) => [file, resolve(dirname(file), m[1]).replace(/\.js$/, '.ts')] as [string, string],
    ),
  );
}

test('every folder of src/ has a tier', () => {
  const layers = [...new Set(tsFiles(src).map(layerOf))].sort();
  assert.deepEqual(
    layers.filter((l) => !tierOf.has(l)),
    [],
  );
  assert.deepEqual(
    [...tierOf.keys()].filter((l) => !layers.includes(l)),
    [],
    'tiers name only folders that exist',
  );
});

test('imports between folders go down the tiers (data flows one way)', () => {
  const bad: string[] = [];
  const seen = new Set<string>();
  for (const [from, to] of edges()) {
    const a = layerOf(from),
      b = layerOf(to);
    if (a === b) continue;
    const edge = `${relative(src, from)} -> ${relative(src, to)}`;
    if (tierOf.get(b)! < tierOf.get(a)!) continue;
    if (KNOWN.has(edge)) seen.add(edge);
    else bad.push(`${edge} (${a} may not import ${b})`);
  }
  assert.deepEqual(bad, [], 'new upward or sideways imports');
  assert.deepEqual(
    [...KNOWN].filter((e) => !seen.has(e)),
    [],
    'KNOWN edges that are gone: remove them from the list',
  );
});

test('README.md states the same tiers and lists every folder', () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const flow = TIERS.map((t) => t.join(' / ')).join(' -> ');
  assert.ok(readme.includes(flow), `README's layout section should say: ${flow}`);
  for (const layer of tierOf.keys()) {
    const name = layer === 'index' ? 'src/index.ts' : layer === 'version' ? 'src/version.ts' : `src/${layer}/`;
    assert.ok(readme.includes(`\`${name}`), `README's layout table names ${name}`);
  }
});
