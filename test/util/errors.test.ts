/**
 * Every failure a user can cause is a SlimctrError subclass (src/util/errors.ts), printed by the
 * CLI as one line naming the problem. A plain Error, RangeError or TypeError may be thrown only
 * for a broken internal invariant, and then its message says so: it starts with "internal:".
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const src = fileURLToPath(new URL('../../../src/', import.meta.url));

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    // AssemblyScript kernels abort instead of throwing JavaScript errors.
    if (statSync(p).isDirectory()) return name === 'assembly' ? [] : tsFiles(p);
    return p.endsWith('.ts') ? [p] : [];
  });
}

/** `throw new Error(`, `throw RangeError(`, ...: the plain error classes outside the hierarchy. */
const PLAIN_THROW = /throw\s+(?:new\s+)?(?:Error|RangeError|TypeError|SyntaxError|ReferenceError)\s*\(\s*/g;

/** Every plain throw in `text` whose message does not start with "internal:", as 'line: code'. */
export function unmarkedThrows(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(PLAIN_THROW)) {
    const message = text.slice(m.index + m[0].length);
    if (/^['"`]internal: /.test(message)) continue;
    const line = text.slice(0, m.index).split('\n').length;
    out.push(
      `${line}: ${text
        .slice(m.index, m.index + m[0].length + 60)
        .split('\n')
        .join(' ')}`,
    );
  }
  return out;
}

test('the check sees plain throws, multi-line ones too, and lets marked and SlimctrError ones pass', () => {
  assert.equal(unmarkedThrows("throw new Error('bad');").length, 1);
  assert.equal(unmarkedThrows('throw new RangeError(\n  `bad`,\n);').length, 1);
  assert.equal(unmarkedThrows('throw TypeError(msg);').length, 1, 'a message from a variable is not marked');
  assert.equal(unmarkedThrows("throw new Error(\n  'internal: a broken invariant',\n);").length, 0);
  assert.equal(unmarkedThrows("throw new UsageError('--x: bad');").length, 0);
  assert.equal(unmarkedThrows("throw new ConfigError('a.b', 'bad');").length, 0);
});

test('no plain Error is thrown in src/ unless its message starts with "internal:"', () => {
  const bad = tsFiles(src).flatMap((file) =>
    unmarkedThrows(readFileSync(file, 'utf8')).map((t) => `${relative(src, file)}:${t}`),
  );
  assert.deepEqual(bad, [], 'user-facing failures throw a SlimctrError subclass (src/util/errors.ts)');
});
