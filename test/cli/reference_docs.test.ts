import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { cliMarkdown, configMarkdown } from '../../src/cli/reference_docs.js';

const docs = (name: string): string =>
  readFileSync(fileURLToPath(new URL(`../../../docs/${name}`, import.meta.url)), 'utf8');

test('docs/config.md and docs/cli.md match the schemas and --help texts (run `npm run docs` after changing them)', () => {
  assert.equal(docs('config.md'), configMarkdown());
  assert.equal(docs('cli.md'), cliMarkdown());
  assert.match(cliMarkdown(), /## slimctr compress/);
  assert.match(configMarkdown(), /`training\.lr`/);
});
