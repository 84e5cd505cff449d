/**
 * `npm run bench -- data [--repeat N] [--file F]`: parse + encode of Criteo TSV on one thread
 * (criteo_80k.tsv repeated N times, or synthetic data when the shared folder is absent), and
 * reading a cached epoch in each training.shuffle mode (none, full, buffer). Targets: >= 400k rows/s
 * and >= 5M rows/s.
 */
import { mkdtempSync, openSync, readFileSync, rmSync, statSync, writeSync, closeSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { report, type Row } from './report.js';
import { parseDataConfig } from '../src/data/config.js';
import { prepareData, streamBatches } from '../src/data/pipeline.js';
import { writeSynth } from '../src/data/synth.js';

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { repeat: { type: 'string', default: '5' }, file: { type: 'string' } },
  });
  const dir = mkdtempSync(join(tmpdir(), 'slimctr-bench-data-'));
  try {
    const shared = process.env.SLIMCTR_SHARED_DATA ?? new URL('../../../shared/data', import.meta.url).pathname;
    const src = values.file ?? join(shared, 'criteo/criteo_80k.tsv');
    const file = join(dir, 'bench.tsv');
    if (existsSync(src)) {
      const text = readFileSync(src);
      const fd = openSync(file, 'w');
      for (let i = 0; i < Number(values.repeat); i++) writeSync(fd, text);
      closeSync(fd);
    } else await writeSynth(file, { rows: 80_000 * Number(values.repeat), seed: 1 });
    const mb = statSync(file).size / 1e6;
    const features = {
      categorical: Object.fromEntries(Array.from({ length: 26 }, (_, i) => [`C${i + 1}`, { min_count: 2 }])),
      numeric: Object.fromEntries(
        Array.from({ length: 13 }, (_, i) => [`I${i + 1}`, { transform: i % 2 ? 'log1p' : 'criteo_bucket' }]),
      ),
    };
    const cfg = parseDataConfig({
      dataset: { format: 'criteo_tsv', train: file, cache_dir: join(dir, 'cache') },
      features,
    });
    const rows: Row[] = [];
    // Fit + write cache (two text passes) once, then time the pure parse + encode pass.
    let t = performance.now();
    const data = await prepareData(cfg);
    const prepS = (performance.now() - t) / 1000;
    const n = data.splits.train!.rows;
    rows.push({
      stage: 'fit + encode + write cache (2 text passes)',
      rows: n,
      seconds: prepS,
      'rows/s': Math.round(n / prepS),
      'MB/s': (2 * mb) / prepS,
    });
    for (let rep = 0; rep < 2; rep++) {
      t = performance.now();
      let m = 0;
      for await (const b of streamBatches(file, { format: 'criteo_tsv', chunkBytes: 1 << 22 }, data.encoders, {
        batchSize: 8192,
      }))
        m += b.rows;
      const s = (performance.now() - t) / 1000;
      rows.push({
        stage: `parse + encode text (pass ${rep + 1})`,
        rows: m,
        seconds: s,
        'rows/s': Math.round(m / s),
        'MB/s': mb / s,
      });
    }
    const split = data.splits.train!;
    const cacheMb =
      (split.manifest.files['ids.i32'].bytes +
        split.manifest.files['dense.f32'].bytes +
        split.manifest.files['labels.f32'].bytes) /
      1e6;
    // Every training.shuffle mode, twice each (the full shuffle's first pass also reads the split into memory).
    for (const shuffle of ['none', 'none', 'full', 'full', 'buffer', 'buffer'] as const) {
      t = performance.now();
      let m = 0;
      let check = 0;
      for (const b of split.batches({ batchSize: 4096, shuffle, seed: 1, bufferRows: 1 << 18 })) {
        m += b.rows;
        check += b.ids[0];
      }
      const s = (performance.now() - t) / 1000;
      rows.push({
        stage: `cached epoch (shuffle ${shuffle}${shuffle === 'buffer' ? ', 262144 rows' : ''})`,
        rows: m,
        seconds: s,
        'rows/s': Math.round(m / s),
        'MB/s': cacheMb / s,
        check,
      });
    }
    report('data', rows, { file: src, repeat: Number(values.repeat), textMB: mb });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
