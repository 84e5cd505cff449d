/** A small learnable CSV for trainer and CLI tests: planted first-order and pairwise effects. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mulberry32 } from '../helpers.js';

export function scratchDir(tag = 'train'): string {
  return mkdtempSync(join(tmpdir(), `slimctr-${tag}-`));
}

/** CSV with header label,I1,I2,C1..C4; the label depends on C1, C2 x C3 and I1. */
export function toyCsv(rows: number, seed = 1): string {
  const rand = mulberry32(seed);
  const lines = ['label,I1,I2,C1,C2,C3,C4'];
  for (let r = 0; r < rows; r++) {
    const c = [Math.floor(rand() * 12), Math.floor(rand() * 8), Math.floor(rand() * 8), Math.floor(rand() * 30)];
    const i1 = Math.floor(rand() * 50);
    const i2 = rand() < 0.2 ? '' : String(Math.floor(rand() * 1000));
    const logit = -1 + (c[0] % 3) * 1.2 - 1.2 + ((c[1] + c[2]) % 2 ? 1.5 : -1.5) + (i1 > 25 ? 1 : -0.5);
    const y = rand() < 1 / (1 + Math.exp(-logit)) ? 1 : 0;
    lines.push(`${y},${i1},${i2},a${c[0]},b${c[1]},c${c[2]},d${c[3]}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Writes toy data (rows: 1-1200 train, 1201-1600 validation, 1601-2000 test) and returns a raw config object. */
export function toySetup(dir: string, rows = 2000): { file: string; config: Record<string, any> } {
  const file = join(dir, 'toy.csv');
  writeFileSync(file, toyCsv(rows));
  const config = {
    dataset: {
      train: file,
      cache_dir: join(dir, 'cache'),
      split: { by: 'rows', train: '1-1200', validation: '1201-1600', test: '1601-' },
    },
    features: {
      numeric: { I1: { transform: 'criteo_bucket' }, I2: { transform: 'log1p', fill: 0 } },
      categorical: { C1: null, C2: null, C3: null, C4: null },
    },
    model: { name: 'deepfm', embedding_dim: 4, hidden: [16, 8], dropout: 0.1 },
    training: { batch_size: 128, epochs: 3, lr: 0.02, threads: 1, seed: 5 },
    run: { dir: join(dir, 'run') },
  };
  return { file, config };
}
