/**
 * `slimctr demo`: the whole story on built-in defaults. Synthetic Criteo-shaped data (or a
 * Criteo-format TSV the user names), DeepFM trained with early stopping, AFM statistics,
 * compression to about 4x fewer parameters, fine-tuning, an SVD baseline at the same budget, then
 * one comparison table and an HTML report with the charts in the run folder.
 */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeSynth } from '../data/synth.js';
import { writeFileAtomic } from '../io/atomic.js';
import { htmlReport } from '../report/html.js';
import { parseTrainConfig } from '../train/config.js';
import type { ProgressReporter } from '../train/progress.js';
import { MODEL_FILE, REPORT_FILE } from '../persist/run_files.js';
import { train } from '../train/trainer.js';
import { aucChart, modelRow, spectrumChart, type CompareRow } from './compare.js';
import { compressRun } from './compress_run.js';

/** The demo's compression ratio unless --ratio says otherwise. */
const DEMO_RATIO = 4;

export interface DemoOptions {
  quick?: boolean;
  /** A Criteo-format TSV (label, I1..I13, C1..C26) instead of synthetic data. */
  data?: string;
  out: string;
  ratio?: number;
  threads?: number;
  progress: ProgressReporter;
}

export interface DemoResult {
  out: string;
  rows: CompareRow[];
  report: string;
  markdown: string;
}

function demoConfig(file: string, rows: number, o: DemoOptions): Record<string, unknown> {
  const n = (a: number): number => Math.floor(rows * a);
  const numeric = Object.fromEntries(
    Array.from({ length: 13 }, (_, i) => [`I${i + 1}`, { transform: 'criteo_bucket' }]),
  );
  const categorical = Object.fromEntries(Array.from({ length: 26 }, (_, i) => [`C${i + 1}`, { min_count: 2 }]));
  return {
    dataset: {
      train: file,
      format: 'criteo_tsv',
      cache_dir: join(o.out, 'cache'),
      split: { by: 'rows', train: `1-${n(0.8)}`, validation: `${n(0.8) + 1}-${n(0.9)}`, test: `${n(0.9) + 1}-${rows}` },
    },
    features: { numeric, categorical },
    model: o.quick
      ? { name: 'deepfm', embedding_dim: 8, hidden: [64, 64] }
      : { name: 'deepfm', embedding_dim: 16, hidden: [400, 400, 400] },
    training: {
      batch_size: o.quick ? 1024 : 2048,
      epochs: o.quick ? 2 : 4,
      lr: 0.001,
      l2_embedding: 0.001,
      threads: o.threads ?? 0,
      seed: 2024,
      early_stop_patience: 1,
    },
    run: { dir: join(o.out, 'original'), overwrite: true },
  };
}

async function countRows(file: string): Promise<number> {
  const { createReadStream } = await import('node:fs');
  let n = 0,
    last = 10;
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
    for (let i = 0; i < chunk.length; i++) if (chunk[i] === 10) n++;
    last = chunk[chunk.length - 1];
  }
  return last === 10 ? n : n + 1;
}

export async function runDemo(o: DemoOptions): Promise<DemoResult> {
  const say = (m: string): void => o.progress.log(m);
  mkdirSync(o.out, { recursive: true });
  let file: string, rows: number;
  if (o.data) {
    file = resolve(o.data);
    rows = await countRows(file);
    say(`data: ${file} (${rows} rows)`);
  } else {
    rows = o.quick ? 20_000 : 120_000;
    file = join(o.out, 'synthetic.tsv');
    if (!existsSync(file) || statSync(file).size === 0) {
      say(`writing ${rows} rows of synthetic Criteo-shaped data to ${file}`);
      await writeSynth(file, { rows, seed: 7 });
    }
  }
  const config = parseTrainConfig(demoConfig(file, rows, o));
  say('training DeepFM (early stopping on validation AUC)');
  const trained = await train(config, { progress: o.progress });
  const runDir = trained.runDir;
  const ratio = o.ratio ?? DEMO_RATIO;
  const rank = { by: 'ratio', ratio } as const;
  say(`compressing with AFM to ~${ratio}x fewer parameters, then fine-tuning`);
  const afm = await compressRun(runDir, {
    method: 'afm',
    rank,
    finetune: true,
    control: false,
    epochs: o.quick ? 1 : 2,
    out: join(o.out, 'afm'),
    log: say,
  });
  say('SVD of the weights at the same budget (baseline)');
  const svd = await compressRun(runDir, { method: 'svd', rank, out: join(o.out, 'svd'), log: say });
  const seconds = o.quick ? 0.3 : 1;
  const row = (variant: string, path: string, test: { auc: number; logloss: number } | null): CompareRow =>
    modelRow(variant, path, seconds, test);
  const [origV, afmV, afmFt] = afm.variants;
  const table: CompareRow[] = [
    row('original DeepFM', join(runDir, MODEL_FILE), origV.test),
    row('AFM', join(afm.outDir, MODEL_FILE), afmV.test),
    ...(afmFt ? [row('AFM + fine-tune', join(afm.outDir, MODEL_FILE), afmFt.test)] : []),
    row('SVD (same budget)', join(svd.outDir, MODEL_FILE), svd.variants[1].test),
  ];
  const md =
    [
      '| variant | parameters | bytes | test AUC | logloss | batch-1 latency (ms) | batch-4096 rows/s |',
      '|---|---:|---:|---:|---:|---:|---:|',
      ...table.map(
        (r) =>
          `| ${r.variant} | ${r.params} | ${r.bytes} | ${r.testAuc?.toFixed(4) ?? '-'} | ${r.testLogloss?.toFixed(4) ?? '-'} | ${r.latencyMs.toFixed(3)} | ${Math.round(r.throughput)} |`,
      ),
    ].join('\n') + '\n';
  const charts = [aucChart(table), spectrumChart(join(afm.outDir, REPORT_FILE))].filter((c): c is string => c !== null);
  const report = join(o.out, 'report.html');
  writeFileAtomic(
    report,
    htmlReport(
      'slimctr demo: DeepFM compressed with AFM',
      [
        `Data: ${o.data ? file : `${rows} synthetic Criteo-shaped rows`} (80% train, 10% validation, 10% test). Budget: ${ratio}x fewer parameters.`,
        `AFM ranks: ${JSON.stringify(afm.plan.layers)}, embedding rank ${afm.plan.embeddingRank ?? 'kept'}.`,
      ],
      [
        {
          caption: 'Variants on the test split',
          columns: [
            'variant',
            'parameters',
            'bytes',
            'test AUC',
            'logloss',
            'batch-1 latency (ms)',
            'batch-4096 rows/s',
          ],
          rows: table.map((r) => [
            r.variant,
            r.params,
            r.bytes,
            r.testAuc?.toFixed(4) ?? '-',
            r.testLogloss?.toFixed(4) ?? '-',
            r.latencyMs.toFixed(3),
            Math.round(r.throughput),
          ]),
        },
        {
          caption: 'AFM targets',
          columns: ['target', 'shape', 'rank', 'energy kept', 'params before', 'params after', 'held-out error'],
          rows: afm.targets.map((t) => [
            t.target,
            t.shape,
            t.rank ?? 'kept',
            t.energyKept === null ? '-' : `${(100 * t.energyKept).toFixed(2)}%`,
            t.paramsBefore,
            t.paramsAfter,
            t.heldOutError === null ? '-' : `${(100 * t.heldOutError).toFixed(2)}%`,
          ]),
        },
      ],
      charts,
    ),
  );
  writeFileAtomic(join(o.out, 'comparison.md'), md);
  writeFileAtomic(join(o.out, 'comparison.json'), JSON.stringify(table, null, 2));
  return { out: o.out, rows: table, report, markdown: md };
}
