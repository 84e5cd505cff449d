/**
 * docs/results.md is shared by several benchmarks: each one owns a section between
 * `<!-- bench:NAME -->` and `<!-- /bench:NAME -->` and rewrites only that, plus its charts
 * (docs/charts/NAME-*.svg). A section not yet in the file is appended.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileAtomic } from '../../src/io/atomic.js';

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const docs = join(repoRoot, 'docs');

const HEAD =
  '# Results\n\nWritten by the benchmarks (`npm run bench -- NAME`); each section names its command, data and date.\n';

/** Replaces section `name` of docs/results.md with `markdown`, and the section's charts with `charts` (SVG texts). */
export function writeResultsSection(name: string, markdown: string, charts: string[]): string {
  mkdirSync(join(docs, 'charts'), { recursive: true });
  for (const f of readdirSync(join(docs, 'charts')))
    if (f.startsWith(`${name}-`) && f.endsWith('.svg')) rmSync(join(docs, 'charts', f));
  charts.forEach((c, i) => writeFileAtomic(join(docs, 'charts', `${name}-${i}.svg`), c));
  const file = join(docs, 'results.md');
  const open = `<!-- bench:${name} -->`,
    close = `<!-- /bench:${name} -->`;
  const body = `${open}\n${markdown.trim()}\n\n${charts.map((_, i) => `![${name} chart ${i}](charts/${name}-${i}.svg)`).join('\n')}\n${close}`;
  const text = existsSync(file) ? readFileSync(file, 'utf8') : HEAD;
  const a = text.indexOf(open),
    b = text.indexOf(close);
  const next =
    a >= 0 && b > a ? text.slice(0, a) + body + text.slice(b + close.length) : `${text.trimEnd()}\n\n${body}\n`;
  writeFileAtomic(file, next);
  return file;
}
