/**
 * `npm run bench -- paper [--datasets criteo,avazu] [--models deepfm,dcn,...] [--seeds 2024,2025,2026]
 * [--ratio 3] [--sweep 6,12] [--stats-rows 500,2000,8000] [--tt-rank 16] [--section paper] [--reuse]
 * [--render-only] [--timing-threads 1] [--quick]`: the paper-style experiment on real data. For every
 * dataset x model x seed: train the original (early stopping), then AFM, AFM-act and SVD at the same
 * parameter budget, each fine-tuned (the original gets the same extra training as a control), a
 * TT-Rec model and a small model of the compressed size, both trained from scratch; and, for the
 * first seed, AFM and SVD without fine-tuning at the higher --sweep ratios, and AFM with statistics
 * from only the first --stats-rows training rows. Writes
 * bench/results/paper.json (every cell, with its seed) and the `paper` section of docs/results.md
 * (mean and spread over seeds; batch-4096 throughput of the first seed's models).
 * `--reuse` keeps every finished step in bench/results/paper-runs/ (so an interrupted run resumes,
 * and a rerun only re-measures throughput and rewrites the report); `--render-only` runs nothing new
 * and reports what is finished; `--quick` is one seed of DeepFM on Avazu. A run over some datasets or
 * models re-renders the whole section: the other rows come from the last report (same settings).
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { compressRun, type CompressOptions } from '../src/jobs/compress_run.js';
import { timeModel } from '../src/jobs/compare.js';
import { writeFileAtomic } from '../src/io/atomic.js';
import { loadModel } from '../src/persist/model_file.js';
import { loadTrainConfig } from '../src/train/config.js';
import { ProgressReporter } from '../src/train/progress.js';
import { ensureEngine } from '../src/train/setup.js';
import { MODEL_FILE } from '../src/persist/run_files.js';
import { train } from '../src/train/trainer.js';
import { smallOptions } from './lib/paper_size.js';
import { renderPaper, type Cell, type Speed } from './lib/paper_render.js';
import { repoRoot } from './lib/results_doc.js';
import { report } from './report.js';

export const DATASETS: Record<string, { config: string; probe: string; text: string }> = {
  criteo: {
    config: 'examples/criteo_deepfm.yaml',
    probe: '../shared/data/criteo/criteo_80k.tsv',
    text: 'Criteo: `criteo_80k.tsv`, rows 1-56,000 train, 56,001-64,000 validation, 64,001-80,000 test (16,000 rows)',
  },
  avazu: {
    config: 'examples/avazu_deepfm.yaml',
    probe: '../shared/data/avazu/9k/train.csv',
    text: 'Avazu: `9k/train.csv` rows 1-7,278 train and 7,279-8,087 validation; `dev.csv` + `test.csv` test (912 rows)',
  },
};

const MODELS = ['deepfm', 'dcn', 'nfm', 'fibinet', 'autoint', 'gdcn'];

/**
 * Cells and speeds of the section's last report for the (dataset, model) pairs this run does not
 * cover, when that report had the same settings; nothing otherwise.
 */
function keptFromLastReport(
  section: string,
  settings: { seeds: number[]; ratio: number; tt_rank: number },
  covered: (dataset: string, model: string) => boolean,
): { cells: Cell[]; speeds: Speed[] } {
  const file = join(repoRoot, 'bench', 'results', `${section}.json`);
  const none = { cells: [], speeds: [] };
  if (!existsSync(file)) return none;
  const last = JSON.parse(readFileSync(file, 'utf8')) as {
    seeds?: number[];
    ratio?: number;
    tt_rank?: number;
    cells?: Cell[];
    speeds?: Speed[];
  };
  if (
    JSON.stringify([last.seeds, last.ratio, last.tt_rank]) !==
    JSON.stringify([settings.seeds, settings.ratio, settings.tt_rank])
  )
    return none;
  return {
    cells: (last.cells ?? []).filter((c) => !covered(c.dataset, c.model)),
    speeds: (last.speeds ?? []).filter((v) => !covered(v.dataset, v.model)),
  };
}

/** Thrown by a step --render-only finds unfinished. */
const SKIP = new Error('step not run yet (--render-only)');

function arg(args: string[], name: string, dflt: string): string {
  const i = args.lastIndexOf(`--${name}`); // the last one wins, so wrappers can set defaults
  return i >= 0 && args[i + 1] ? args[i + 1] : dflt;
}

export async function run(args: string[]): Promise<void> {
  process.chdir(repoRoot);
  const quick = args.includes('--quick');
  const reuse = args.includes('--reuse');
  // --render-only: no training or compressing; what is finished is re-timed and reported.
  const renderOnly = args.includes('--render-only');
  const datasets = arg(args, 'datasets', quick ? 'avazu' : 'criteo,avazu').split(',');
  const models = arg(args, 'models', quick ? 'deepfm' : MODELS.join(',')).split(',');
  const seeds = arg(args, 'seeds', quick ? '2024' : '2024,2025,2026')
    .split(',')
    .map(Number);
  const ratio = Number(arg(args, 'ratio', '3'));
  const ttRank = Number(arg(args, 'tt-rank', '16'));
  const sweep = arg(args, 'sweep', quick ? '' : '6,12')
    .split(',')
    .filter(Boolean)
    .map(Number);
  const timingThreads = Number(arg(args, 'timing-threads', '1'));
  const statsRows = arg(args, 'stats-rows', quick ? '' : '500,2000,8000')
    .split(',')
    .filter(Boolean)
    .map(Number);
  // `npm run bench -- compress` is this bench on fewer cells, reported in its own section.
  const section = arg(args, 'section', 'paper');
  for (const d of datasets)
    if (!DATASETS[d]) throw new Error(`unknown dataset ${d} (known: ${Object.keys(DATASETS).join(', ')})`);
  const missing = datasets.filter((d) => !existsSync(DATASETS[d].probe));
  if (missing.length) {
    console.log(`paper bench: ${missing.map((d) => DATASETS[d].probe).join(', ')} absent; skipped`);
    return;
  }
  await ensureEngine(0);
  const work = join(repoRoot, 'bench', 'results', 'paper-runs');
  const cells: Cell[] = [];
  const speeds: Speed[] = [];
  // A run over some datasets or models keeps the section's other rows (same seeds, ratio and rank).
  const kept = keptFromLastReport(
    section,
    { seeds, ratio, tt_rank: ttRank },
    (d, m) => datasets.includes(d) && models.includes(m),
  );
  const shown = Object.keys(DATASETS).filter((d) => datasets.includes(d) || kept.cells.some((c) => c.dataset === d));
  const render = () => {
    const order = (c: { dataset: string; model: string }): number =>
      shown.indexOf(c.dataset) * 100 + MODELS.indexOf(c.model) + (MODELS.includes(c.model) ? 0 : 99);
    const byOrder = <T extends { dataset: string; model: string }>(xs: T[]): T[] =>
      [...xs].sort((a, b) => order(a) - order(b));
    const all = { cells: byOrder([...kept.cells, ...cells]), speeds: byOrder([...kept.speeds, ...speeds]) };
    // Each model's spectra chart comes from its first seed's AFM report.
    const pairs = [...new Map(all.cells.map((c) => [`${c.dataset}/${c.model}`, c])).values()];
    const spectra = pairs.map(({ dataset, model }) => ({
      dataset,
      model,
      file: join(work, dataset, model, `s${seeds[0]}`, 'afm', 'report.json'),
    }));
    const summary = renderPaper({
      section,
      timingThreads,
      ...all,
      spectra,
      seeds,
      ratio,
      ttRank,
      datasets: shown.map((d) => ({ name: d, text: DATASETS[d].text })),
    });
    report(section, summary.rows, { seeds, ratio, tt_rank: ttRank, ...all });
  };
  const progress = () => new ProgressReporter({ mode: 'plain', stream: process.stderr, intervalMs: 60_000 });

  for (const ds of datasets)
    for (const model of models) {
      const log = (m: string): void => void process.stderr.write(`[${ds} ${model}] ${m}\n`);
      const files: Record<string, string> = {};
      for (const seed of seeds) {
        const base = join(work, ds, model, `s${seed}`);
        mkdirSync(base, { recursive: true });
        const add = (variant: string, params: number, auc: number, logloss: number, file: string): void => {
          cells.push({ dataset: ds, model, seed, variant, params, auc, logloss });
          if (seed === seeds[0]) files[variant] = file;
        };
        /** A finished step's saved result (--reuse), else run it; with --render-only a missing step is skipped. */
        const cached = async <T>(file: string, make: () => Promise<T>): Promise<T> => {
          if ((reuse || renderOnly) && existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as T;
          if (renderOnly) throw SKIP;
          return make();
        };
        /** Trains from scratch into `dir` (kept as cell.json). */
        const trainCell = (dir: string, extra: string[]) =>
          cached(join(dir, 'cell.json'), async () => {
            const { config } = loadTrainConfig({
              file: DATASETS[ds].config,
              args: [
                `--model.name=${model}`,
                `--training.seed=${seed}`,
                `--run.dir=${dir}`,
                '--run.overwrite=true',
                '--run.checkpoint=false',
                ...extra,
              ],
            });
            const r = await train(config, { progress: progress() });
            const c = { params: r.params, auc: r.test!.auc, logloss: r.test!.logloss, file: r.modelPath };
            writeFileAtomic(join(dir, 'cell.json'), JSON.stringify(c));
            return c;
          });
        const compressCell = (out: string, o: Omit<CompressOptions, 'out'>) =>
          cached(join(out, 'report.json'), () => compressRun(join(base, 'original'), { ...o, out, log: () => {} }));
        /** Runs one step; a step --render-only finds missing is left out. */
        const step = async (what: string, fn: () => Promise<void>): Promise<void> => {
          log(`seed ${seed}: ${what}`);
          try {
            await fn();
          } catch (err) {
            if (err !== SKIP) throw err;
            log(`seed ${seed}: ${what} not run yet (skipped)`);
          }
        };
        let orig: Awaited<ReturnType<typeof trainCell>>;
        try {
          orig = await trainCell(join(base, 'original'), []);
        } catch (err) {
          if (err !== SKIP) throw err;
          log(`seed ${seed}: no original yet (skipped)`);
          continue;
        }
        add('original', orig.params, orig.auc, orig.logloss, orig.file);
        let afmParams = orig.params;
        for (const method of ['afm', 'afm-act', 'svd'] as const)
          await step(method, async () => {
            const out = join(base, method);
            const r = await compressCell(out, {
              method,
              rank: { by: 'ratio', ratio },
              finetune: true,
              control: method === 'afm',
              epochs: 3,
            });
            for (const v of r.variants.slice(1)) {
              // The control has the original's architecture: timed with it.
              const file = v.name === 'original + same extra training' ? orig.file : join(out, MODEL_FILE);
              add(v.name, v.params, v.test!.auc, v.test!.logloss, file);
            }
            if (method === 'afm') afmParams = r.variants[1].params;
          });
        const extra = (variant: string, v: { params: number; test: { auc: number; logloss: number } | null }): void =>
          void cells.push({
            dataset: ds,
            model,
            seed,
            variant,
            params: v.params,
            auc: v.test!.auc,
            logloss: v.test!.logloss,
          });
        // Higher compression, first seed only and without fine-tuning: where AFM and SVD part ways.
        for (const r of seed === seeds[0] ? sweep : [])
          for (const method of ['afm', 'svd'] as const)
            await step(`${method} at ${r}x`, async () =>
              extra(
                `${method} @${r}x`,
                (await compressCell(join(base, `${method}-x${r}`), { method, rank: { by: 'ratio', ratio: r } }))
                  .variants[1],
              ),
            );
        // How much data the statistics need: AFM at the same ratio from the first N training rows.
        for (const n of seed === seeds[0] ? statsRows : [])
          await step(`afm from ${n} rows`, async () =>
            extra(
              `afm stats ${n}`,
              (
                await compressCell(join(base, `afm-n${n}`), {
                  method: 'afm',
                  rank: { by: 'ratio', ratio },
                  statsRows: n,
                })
              ).variants[1],
            ),
          );
        await step(`tt (rank ${ttRank}) from scratch`, async () => {
          const tt = await trainCell(join(base, 'tt'), [`--training.tt_rank=${ttRank}`]);
          add('tt (from scratch)', tt.params, tt.auc, tt.logloss, tt.file);
        });
        await step('small from scratch', async () => {
          const { meta } = loadModel(orig.file);
          const small = smallOptions(model, meta.features, meta.options, afmParams);
          const sm = await trainCell(
            join(base, 'small'),
            Object.entries(small.options).map(([k, v]) => `--model.${k}=${JSON.stringify(v)}`),
          );
          add('small (from scratch)', sm.params, sm.auc, sm.logloss, sm.file);
        });
      }
      log(`throughput of the seed-${seeds[0]} models (load ${loadavg()[0].toFixed(2)})`);
      await ensureEngine(timingThreads); // one kernel thread by default: steadier on a shared machine
      const timed = new Map<string, { throughput: number; latencyMs: number }>(); // variants sharing a model file are timed once
      for (const [variant, file] of Object.entries(files)) {
        if (!timed.has(file)) {
          const { model: m, meta } = loadModel(file);
          timed.set(file, timeModel(m, meta.features, 1.5));
        }
        const t = timed.get(file)!;
        speeds.push({
          dataset: ds,
          model,
          variant,
          rowsPerSec: t.throughput,
          latencyMs: t.latencyMs,
          load: loadavg()[0],
        });
      }
      await ensureEngine(0);
      render();
    }
  console.log(`wrote ${join(repoRoot, 'docs', 'results.md')}`);
}
