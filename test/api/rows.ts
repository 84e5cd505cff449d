/** Raw rows for API tests: the toy CSV's last rows as objects keyed by column, label dropped. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export function csvTestRows(dir: string, n: number): Record<string, string>[] {
  const lines = readFileSync(join(dir, 'toy.csv'), 'utf8').trim().split('\n');
  const header = lines[0].split(',');
  return lines.slice(-n).map((line) => {
    const cells = line.split(',');
    return Object.fromEntries(header.map((h, i) => [h, cells[i]] as const).filter(([h]) => h !== 'label'));
  });
}
