/**
 * `npm run bench -- fidelity [--datasets criteo,avazu] [--models deepfm,dcn] [--seeds 2024,2025,2026]
 * [--epochs 10] [--threads 2] [--order same|own]`: does slimctr train like PyTorch? For each dataset x model x seed,
 * slimctr trains its zoo model, and an independent PyTorch implementation (bench/torch_ctr.py)
 * trains on the same encoded rows (exported from slimctr's cache), the same split (file order:
 * Criteo's rows are time-ordered), the same initial weights (slimctr's model for that seed,
 * copied), the same optimizer (Adam; lazy sparse Adam for the tables), batch size, learning-rate
 * decay on plateaus and early stopping on validation AUC, each with a uniform shuffle per epoch
 * (by default the same permutation: slimctr's, exported; `--order own`: PyTorch draws its own).
 * Reports mean +- sd of test AUC and logloss for both and the paired difference, in a table,
 * bench/results/fidelity.json and the `fidelity` section of docs/results.md.
 * Target: |mean delta AUC| <= 0.001 and logloss within 1 %. PyTorch comes from Debian
 * (python3-torch, python3-sklearn, installed with apt-get when missing and allowed); without it the
 * benchmark says so and stops.
 */
import { spawnSync } from 'node:child_process';
import { PY, torchReady } from './lib/torch_ready.js';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { prepareData } from '../src/data/index.js';
import { EmbeddingStore } from '../src/embedding/store.js';
import { engine } from '../src/kernels/engine.js';
import { findModel } from '../src/models/registry.js';
import { SLOTS } from '../src/optim/optimizer.js';
import { modelTensors } from '../src/persist/weights.js';
import { Rng } from '../src/tensor/rng.js';
import { loadTrainConfig, modelOptionsOf, type TrainConfig } from '../src/train/config.js';
import { ProgressReporter } from '../src/train/progress.js';
import { ensureEngine, featureSpecOf, shuffleSeed } from '../src/train/setup.js';
import { permutation, rng } from '../src/data/batch.js';
import { train } from '../src/train/trainer.js';
import { DATASETS } from './paper.js';
import { repoRoot, writeResultsSection } from './lib/results_doc.js';
import { report, type Row } from './report.js';

function arg(args: string[], name: string, dflt: string): string {
  const i = args.lastIndexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1] : dflt;
}

/**
 * Writes the encoded splits and slimctr's initial weights for `config` where torch_ctr.py reads
 * them, and with `sameOrder` the row order of every training epoch (slimctr's full shuffle:
 * a seeded permutation per epoch), so both sides see the same batches.
 */
async function exportForTorch(config: TrainConfig, dir: string, sameOrder: boolean): Promise<void> {
  const data = await prepareData({ dataset: config.dataset, features: config.features });
  const spec = featureSpecOf(data.encoders);
  const rows: Record<string, number> = {};
  for (const name of ['train', 'validation', 'test'] as const) {
    const b = data.splits[name]!.readAll();
    rows[name] = b.rows;
    writeFileSync(join(dir, `${name}.ids.i32`), b.ids);
    writeFileSync(join(dir, `${name}.dense.f32`), b.dense);
    writeFileSync(join(dir, `${name}.labels.f32`), b.labels);
  }
  if (sameOrder) {
    const n = rows.train;
    const order = new Int32Array(config.training.epochs * n);
    for (let e = 1; e <= config.training.epochs; e++)
      order.set(permutation(n, rng(shuffleSeed(config.training.seed, e))), (e - 1) * n);
    writeFileSync(join(dir, 'order.i32'), order);
  }
  // The model the trainer builds for this seed (same spec, options, generator): its starting weights.
  const tc = config.training;
  const entry = findModel(config.model.name)!;
  const model = entry.create(spec, entry.options.parse(modelOptionsOf(config)), {
    rng: new Rng(tc.seed),
    store: new EmbeddingStore(),
    slots: SLOTS[tc.optimizer],
  });
  const index: Record<string, { offset: number; shape: number[] }> = {};
  const parts: Float32Array[] = [];
  let offset = 0;
  for (const [name, t] of modelTensors(model)) {
    index[name] = { offset, shape: t.shape };
    parts.push(t.data as Float32Array);
    offset += (t.data as Float32Array).length;
  }
  const all = new Float32Array(offset);
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  writeFileSync(join(dir, 'init.f32'), all);
  writeFileSync(join(dir, 'init.json'), JSON.stringify(index));
  writeFileSync(
    join(dir, 'meta.json'),
    JSON.stringify({
      nc: spec.categorical.length,
      nd: spec.numeric.length,
      vocab: spec.categorical.map((f) => f.vocab),
      names: spec.categorical.map((f) => f.name),
      rows,
    }),
  );
}

interface Pair {
  dataset: string;
  model: string;
  seed: number;
  slimctr: { auc: number; logloss: number; epochs: number; best: number; seconds: number };
  torch: { auc: number; logloss: number; epochs: number; best: number; seconds: number };
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const sd = (xs: number[]): number =>
  xs.length < 2 ? 0 : Math.sqrt(xs.reduce((a, x) => a + (x - mean(xs)) ** 2, 0) / (xs.length - 1));
const pm = (xs: number[], d: number): string => `${mean(xs).toFixed(d)} ± ${sd(xs).toFixed(d)}`;

export async function run(args: string[]): Promise<void> {
  const datasets = arg(args, 'datasets', 'criteo,avazu').split(',');
  const models = arg(args, 'models', 'deepfm,dcn').split(',');
  const seeds = arg(args, 'seeds', '2024,2025,2026').split(',').map(Number);
  const epochs = Number(arg(args, 'epochs', '10'));
  const threads = Number(arg(args, 'threads', String(availableParallelism())));
  // same: PyTorch takes slimctr's row order per epoch (isolates the implementations); own: its own generator.
  const order = arg(args, 'order', 'same');
  if (order !== 'same' && order !== 'own') throw new Error(`--order must be same or own, got '${order}'`);
  const missing = torchReady();
  if (missing) {
    process.stdout.write(`fidelity: skipped: ${missing}\n`);
    return;
  }
  await ensureEngine(threads);
  const work = mkdtempSync(join(tmpdir(), 'slimctr-fidelity-'));
  const script = fileURLToPath(new URL('../../bench/torch_ctr.py', import.meta.url));
  const pairs: Pair[] = [];
  const loads: number[] = [];
  try {
    for (const ds of datasets) {
      for (const model of models) {
        for (const seed of seeds) {
          const dir = join(work, ds, model, String(seed));
          mkdirSync(dir, { recursive: true });
          const { config } = loadTrainConfig({
            file: DATASETS[ds].config,
            args: [
              `--model.name=${model}`,
              `--training.seed=${seed}`,
              `--training.epochs=${epochs}`,
              '--training.l2_embedding=0',
              '--training.shuffle=full',
              `--training.threads=${threads}`,
              `--run.dir=${join(dir, 'run')}`,
              '--run.checkpoint=false',
            ],
          });
          const tc = config.training;
          await exportForTorch(config, dir, order === 'same');
          const quiet = new ProgressReporter({ stream: { write: () => true }, mode: 'plain' });
          const ours = await train(config, { progress: quiet });
          const hidden = (config.model.hidden as number[]).join(',');
          const py = spawnSync(
            PY,
            [
              script,
              '--data',
              dir,
              '--model',
              model,
              '--dim',
              String(config.model.embedding_dim),
              '--hidden',
              hidden,
              '--cross',
              String(config.model.num_cross_layers ?? 3),
              '--lr',
              String(tc.lr),
              '--batch',
              String(tc.batch_size),
              '--epochs',
              String(epochs),
              '--lr-patience',
              String(tc.lr_patience),
              '--decay',
              String(tc.lr_decay_factor),
              '--patience',
              String(tc.early_stop_patience),
              '--seed',
              String(seed),
              '--threads',
              String(threads),
              ...(order === 'same' ? ['--order', join(dir, 'order.i32')] : []),
            ],
            { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: String(threads) }, maxBuffer: 1 << 26 },
          );
          if (py.status !== 0) throw new Error(`torch_ctr.py failed: ${py.stderr.slice(-2000)}`);
          const t = JSON.parse(py.stdout.trim().split('\n').pop()!) as {
            test_auc: number;
            test_logloss: number;
            epochs: number;
            best_epoch: number;
            seconds: number;
          };
          loads.push(loadavg()[0]);
          const pair: Pair = {
            dataset: ds,
            model,
            seed,
            slimctr: {
              auc: ours.test!.auc,
              logloss: ours.test!.logloss,
              epochs: ours.epochs,
              best: ours.best!.epoch,
              seconds: ours.seconds,
            },
            torch: {
              auc: t.test_auc,
              logloss: t.test_logloss,
              epochs: t.epochs,
              best: t.best_epoch,
              seconds: t.seconds,
            },
          };
          pairs.push(pair);
          render(pairs, { args, datasets, models, seeds, epochs, threads, order, loads }, false);
          process.stderr.write(
            `${ds} ${model} seed ${seed}: slimctr AUC ${pair.slimctr.auc.toFixed(5)} logloss ${pair.slimctr.logloss.toFixed(5)} (best epoch ${pair.slimctr.best}/${pair.slimctr.epochs}, ${pair.slimctr.seconds.toFixed(0)} s); ` +
              `torch AUC ${pair.torch.auc.toFixed(5)} logloss ${pair.torch.logloss.toFixed(5)} (best epoch ${pair.torch.best}/${pair.torch.epochs}, ${pair.torch.seconds.toFixed(0)} s); load ${loads[loads.length - 1].toFixed(2)}\n`,
          );
        }
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  render(pairs, { args, datasets, models, seeds, epochs, threads, order, loads }, true);
}

interface Settings {
  args: string[];
  datasets: string[];
  models: string[];
  seeds: number[];
  epochs: number;
  threads: number;
  order: string;
  loads: number[];
}

/**
 * The table, bench/results/fidelity.json and the docs section for the pairs so far (rewritten after
 * every pair, so an interrupted run leaves what it finished, marked as partial).
 */
function render(pairs: Pair[], o: Settings, done: boolean): void {
  const { args, datasets, models, seeds, epochs, threads, order, loads } = o;
  const rows: Row[] = [];
  for (const ds of datasets)
    for (const model of models) {
      const ps = pairs.filter((p) => p.dataset === ds && p.model === model);
      if (!ps.length) continue;
      const dAuc = ps.map((p) => p.slimctr.auc - p.torch.auc);
      const dLl = ps.map((p) => (p.slimctr.logloss - p.torch.logloss) / p.torch.logloss);
      rows.push({
        dataset: ds,
        model,
        seeds: ps.length,
        'slimctr test AUC': pm(
          ps.map((p) => p.slimctr.auc),
          5,
        ),
        'PyTorch test AUC': pm(
          ps.map((p) => p.torch.auc),
          5,
        ),
        'Δ AUC (slimctr - PyTorch)': pm(dAuc, 5),
        'slimctr logloss': pm(
          ps.map((p) => p.slimctr.logloss),
          5,
        ),
        'PyTorch logloss': pm(
          ps.map((p) => p.torch.logloss),
          5,
        ),
        'Δ logloss': `${(100 * mean(dLl)).toFixed(2)} %`,
        'train s slimctr / PyTorch': `${mean(ps.map((p) => p.slimctr.seconds)).toFixed(0)} / ${mean(ps.map((p) => p.torch.seconds)).toFixed(0)}`,
        'epochs (best) slimctr / PyTorch': ps
          .map((p) => `${p.slimctr.epochs}(${p.slimctr.best})/${p.torch.epochs}(${p.torch.best})`)
          .join(' '),
        target: Math.abs(mean(dAuc)) <= 0.001 && Math.abs(mean(dLl)) <= 0.01 ? 'met' : 'missed',
      });
    }
  const cpu = cpus()[0]?.model ?? 'unknown';
  const settings = { datasets, models, seeds, epochs, threads, order, kernels: engine().variant, cpu, load: loads };
  // The same-order run and the own-order run keep separate results and docs sections.
  const name = order === 'same' ? 'fidelity' : 'fidelity-own-order';
  if (done) report(name, rows, { settings, pairs });
  else
    writeFileSync(
      join(repoRoot, 'bench', 'results', `${name}.json`),
      JSON.stringify({ name, partial: true, settings, rows, pairs }, null, 2),
    );
  const runs = `${pairs.length} of ${datasets.length * models.length * seeds.length} runs${done ? '' : ' (partial: the run was still going or stopped here)'}`;
  const header = Object.keys(rows[0] ?? {});
  const table = [
    `| ${header.join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${header.map((h) => String(r[h])).join(' | ')} |`),
  ].join('\n');
  const md = `## Fidelity: slimctr against an independent PyTorch implementation${order === 'same' ? '' : ', each side shuffling on its own'}

\`npm run bench -- fidelity${args.length ? ` ${args.join(' ')}` : ''}\`, ${new Date().toISOString().slice(0, 10)}; ${cpu}, ${availableParallelism()} cores, kernels ${engine().variant}, ${threads} threads for slimctr and for PyTorch (${spawnSync(PY, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' }).stdout.trim()}, Debian); load average during the runs ${Math.min(...loads).toFixed(2)}-${Math.max(...loads).toFixed(2)} (the machine was shared); ${runs}.

For each seed (${seeds.join(', ')}), slimctr's model and bench/torch_ctr.py (DeepFM and DCN written for PyTorch from the papers) train on the same encoded rows, split in file order (${datasets.map((d) => DATASETS[d].text).join('; ')}), from the same initial weights (slimctr's model for the seed, copied), with the same optimizer (Adam, lr 0.001, lazy sparse Adam for the tables, no L2), batch size (Criteo 2048, Avazu 512), a uniform reshuffle of the training rows every epoch (${order === 'same' ? "the same permutation on both sides: slimctr's, exported, so only the implementations differ" : 'each side with its own generator'}), the learning rate x 0.1 after an epoch without a better validation AUC, early stopping after 2 such epochs (at most ${epochs}), and the best validation epoch scored on the test split. Test AUC and logloss are mean ± sd over seeds; Δ is slimctr minus PyTorch, paired by seed (Δ logloss relative to PyTorch's). Target: |mean Δ AUC| <= 0.001 and |Δ logloss| <= 1 %.

${table}
`;
  writeResultsSection(name, md, []);
}
