/**
 * `npm run bench -- compress [--models deepfm,dcn,...] [--ratio 3] [--quick]`: the compression
 * acceptance on real data. For each model: train on ../shared/data/criteo/criteo_80k.tsv (rows
 * 1-56000 train, 56001-64000 validation, 64001-80000 test; embedding 16, MLP 400-400-400), then
 * AFM at the ratio + fine-tuning (with the original's same extra training as a control) and SVD at
 * the same budget + fine-tuning; test AUC, logloss, parameters, batch-4096 throughput. Writes
 * docs/results.md (tables + SVG charts) and bench/results/compress.json. `--reuse` picks up models
 * already done in bench/results/compress-runs/.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compressRun, type CompressResult, type VariantResult } from '../src/jobs/compress_run.js';
import { aucChart, spectrumChart, timeModel, type CompareRow } from '../src/jobs/compare.js';
import { loadModel } from '../src/persist/model_file.js';
import { loadTrainConfig } from '../src/train/config.js';
import { ProgressReporter } from '../src/train/progress.js';
import { ensureEngine } from '../src/train/setup.js';
import { MODEL_FILE, train } from '../src/train/trainer.js';
import { writeResultsSection } from './lib/results_doc.js';
import { report, type Row } from './report.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

function arg(args: string[], name: string, dflt: string): string {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1] : dflt;
}

export async function run(args: string[]): Promise<void> {
  const data = join(root, '..', 'shared', 'data', 'criteo', 'criteo_80k.tsv');
  if (!existsSync(data)) {
    console.log(`compress bench: ${data} is absent; skipped`);
    return;
  }
  const models = arg(args, 'models', 'deepfm,dcn,autoint,fibinet,nfm').split(',');
  const ratio = Number(arg(args, 'ratio', '3'));
  // --reuse: skip models whose run folder already holds the trained model and both compress reports.
  const reuse = args.includes('--reuse');
  await ensureEngine(0);
  const work = join(root, 'bench', 'results', 'compress-runs');
  mkdirSync(work, { recursive: true });
  const rows: Row[] = [];
  const md: string[] = [];
  const charts: string[] = [];
  /** Writes the tables so far (after every model, so a long run leaves results as it goes). */
  const writeResults = (): void => {
    report('compress', rows, { ratio, models });
    writeResultsSection('compress', [
      '## Compressing the zoo on Criteo 80k (one seed)',
      '',
      `Written by \`npm run bench -- compress\` on ${new Date().toISOString().slice(0, 10)} (${models.join(', ')}; ratio ${ratio}).`,
      'Data: `../shared/data/criteo/criteo_80k.tsv`, rows 1-56,000 train, 56,001-64,000 validation, 64,001-80,000 test; embedding 16, MLP 400-400-400 where a model has one.',
      'Each compressed variant is fine-tuned with early stopping on validation AUC (the starting weights count, so fine-tuning never lowers validation AUC); "original + same extra training" is the control.',
      'One seed per cell: with ~3,600 test positives an AUC difference under ~0.001 between two models on these rows is within noise (the paper section below has three seeds).',
      '',
      ...md,
    ].join('\n'), charts);
  };
  for (const name of models) {
    const runDir = join(work, name);
    const log = (m: string): void => void process.stderr.write(`[${name}] ${m}\n`);
    const done = (m: string): CompressResult | null => (reuse && existsSync(join(runDir, m, 'report.json')) ? JSON.parse(readFileSync(join(runDir, m, 'report.json'), 'utf8')) : null);
    if (!(reuse && existsSync(join(runDir, MODEL_FILE)))) {
      const { config } = loadTrainConfig({ file: join(root, 'examples', 'criteo_deepfm.yaml'), args: [`--model.name=${name}`, `--run.dir=${runDir}`, '--run.overwrite=true', `--dataset.train=${data}`] });
      await train(config, { progress: new ProgressReporter({ mode: 'plain', stream: process.stderr, intervalMs: 30_000 }) });
    } else log('reusing the trained run (--reuse)');
    const t = { runDir };
    const afm = done('afm') ?? await compressRun(t.runDir, { method: 'afm', ratio, finetune: true, control: true, epochs: 3, out: join(t.runDir, 'afm'), log });
    const svd = done('svd') ?? await compressRun(t.runDir, { method: 'svd', ratio, finetune: true, control: false, epochs: 3, out: join(t.runDir, 'svd'), log });
    const speed = (file: string): number => { const { model, meta } = loadModel(file); return timeModel(model, meta.features, 1.5).throughput; };
    const origSpeed = speed(join(t.runDir, MODEL_FILE)), afmSpeed = speed(join(afm.outDir, MODEL_FILE)), svdSpeed = speed(join(svd.outDir, MODEL_FILE));
    const variants: [VariantResult, number][] = [
      [afm.variants[0], origSpeed], [afm.variants[1], afmSpeed], [afm.variants[2], afmSpeed], [afm.variants[3], origSpeed],
      [{ ...svd.variants[1], name: 'svd' }, svdSpeed], [{ ...svd.variants[2], name: 'svd + fine-tune' }, svdSpeed],
    ];
    const orig = afm.variants[0];
    const cmp: CompareRow[] = [];
    for (const [v, thr] of variants) {
      if (!v) continue;
      rows.push({
        model: name, variant: v.name, params: v.params, ratio: Number((orig.params / v.params).toFixed(2)),
        test_auc: v.test?.auc ?? NaN, logloss: v.test?.logloss ?? NaN, delta_auc: (v.test?.auc ?? NaN) - (orig.test?.auc ?? NaN), rows_per_s: Math.round(thr),
      });
      cmp.push({ variant: v.name, file: '', params: v.params, bytes: 0, testAuc: v.test?.auc ?? null, testLogloss: v.test?.logloss ?? null, latencyMs: 0, throughput: thr });
    }
    md.push(`### compress / ${name}\n\nAFM ranks: ${JSON.stringify(afm.plan.layers)}, embedding rank ${afm.plan.embeddingRank ?? 'kept'}; SVD at the same ranks.\n`,
      '| variant | parameters | ratio | test AUC | Δ AUC vs original | logloss | batch-4096 rows/s | speed-up |', '|---|---:|---:|---:|---:|---:|---:|---:|',
      ...rows.filter((r) => r.model === name).map((r) => `| ${r.variant} | ${r.params} | ${r.ratio}x | ${(r.test_auc as number).toFixed(5)} | ${(r.delta_auc as number) >= 0 ? '+' : ''}${(r.delta_auc as number).toFixed(5)} | ${(r.logloss as number).toFixed(5)} | ${r.rows_per_s} | ${((r.rows_per_s as number) / origSpeed).toFixed(2)}x |`), '');
    charts.push(aucChart(cmp, `${name}: test AUC against parameters`));
    const s = spectrumChart(join(afm.outDir, 'report.json'));
    if (s) charts.push(s);
    writeResults();
  }
  console.log(`wrote ${join(root, 'docs', 'results.md')}`);
}
