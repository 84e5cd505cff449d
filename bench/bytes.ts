/**
 * `npm run bench -- bytes [--models deepfm,dcn,autoint] [--reuse] [--seconds 1.5]`: byte budgets on
 * Criteo 80k (the rows split of docs/results.md). Per model: the float32 original, AFM at ratio 3,
 * int8 alone, AFM + int8, AFM + int4 tables, and `--bytes` at 1/10 and 1/20 of the original's
 * file; none fine-tuned. Columns: test AUC and its change, file bytes and gzip -9 bytes, and
 * batch-4096 rows/s timed side by side (every variant of a model interleaved, one kernel thread).
 * Writes bench/results/bytes.json, the `bytes` section of docs/results.md and an AUC-against-bytes
 * chart. `--reuse` keeps trained originals and finished variants in bench/results/bytes-runs/.
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { formatTable } from '../src/cli/table.js';
import { compareModels, type CompareRow } from '../src/jobs/compare.js';
import { compressRun, type CompressOptions } from '../src/jobs/compress_run.js';
import { engine } from '../src/kernels/engine.js';
import { MODEL_FILE } from '../src/persist/run_files.js';
import { chart } from '../src/report/svg.js';
import { loadTrainConfig } from '../src/train/config.js';
import { ensureEngine } from '../src/train/setup.js';
import { train } from '../src/train/trainer.js';
import { writeFileAtomic } from '../src/io/atomic.js';
import { UsageError } from '../src/util/errors.js';
import { DATASETS } from './paper.js';
import { repoRoot, writeResultsSection } from './lib/results_doc.js';
import { kernelsOf, loadAverage, report, type Row } from './report.js';

function arg(args: string[], name: string, dflt: string): string {
  const i = args.lastIndexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1] : dflt;
}

/** The variants after the original: name, and compress options given the original's file bytes. */
const VARIANTS: [string, (bytes: number) => Omit<CompressOptions, 'out'>][] = [
  ['AFM 3x', () => ({ method: 'afm', rank: { by: 'ratio', ratio: 3 } })],
  ['int8', () => ({ method: 'afm', rank: { by: 'ranks', ranks: {} }, quantize: 'int8' })],
  ['AFM 3x + int8', () => ({ method: 'afm', rank: { by: 'ratio', ratio: 3 }, quantize: 'int8' })],
  ['AFM 3x + int4 tables', () => ({ method: 'afm', rank: { by: 'ratio', ratio: 3 }, quantize: 'int4' })],
  ['--bytes 1/10', (b) => ({ method: 'afm', rank: { by: 'bytes', bytes: Math.floor(b / 10) } })],
  ['--bytes 1/20', (b) => ({ method: 'afm', rank: { by: 'bytes', bytes: Math.floor(b / 20) } })],
];

export async function run(args: string[]): Promise<void> {
  process.chdir(repoRoot);
  const models = arg(args, 'models', 'deepfm,dcn,autoint').split(',');
  const reuse = args.includes('--reuse');
  const seconds = Number(arg(args, 'seconds', '1.5'));
  const ds = DATASETS.criteo;
  if (!existsSync(ds.probe)) {
    console.log(`bytes bench: ${ds.probe} absent; skipped`);
    return;
  }
  await ensureEngine(1);
  const kernels = kernelsOf(engine());
  const work = join(repoRoot, 'bench', 'results', 'bytes-runs');
  const rows: Row[] = [];
  const points: { model: string; variant: string; bytes: number; auc: number }[] = [];
  const refused: { model: string; variant: string; why: string }[] = [];
  for (const model of models) {
    const log = (m: string): void => void process.stderr.write(`[bytes ${model}] ${m}\n`);
    const original = join(work, model, 'original');
    if (!(reuse && existsSync(join(original, MODEL_FILE)))) {
      log('training the original');
      const { config } = loadTrainConfig({
        file: ds.config,
        args: [`--model.name=${model}`, `--run.dir=${original}`, '--run.overwrite=true', '--run.checkpoint=false'],
      });
      await train(config, {});
    }
    const files = [{ name: 'float32 original', file: join(original, MODEL_FILE) }];
    const originalBytes = readFileSync(files[0].file).length;
    for (const [name, options] of VARIANTS) {
      const out = join(work, model, name.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, ''));
      mkdirSync(out, { recursive: true });
      if (!(reuse && existsSync(join(out, MODEL_FILE)))) {
        log(name);
        rmSync(join(out, 'refused.txt'), { force: true });
        try {
          await compressRun(original, { ...options(originalBytes), out, force: true, log: () => {} });
        } catch (err) {
          // A budget below what the model can reach is refused with the smallest size: reported as such, and
          // that smallest size is compressed to instead.
          const smallest = err instanceof UsageError ? /about (\d+) bytes/.exec(err.message) : null;
          if (!smallest) throw err;
          const why = (err as Error).message;
          writeFileAtomic(join(out, 'refused.txt'), why);
          log(`refused: ${why}`);
          const bytes = Number(smallest[1]);
          await compressRun(original, { method: 'afm', rank: { by: 'bytes', bytes }, out, force: true, log: () => {} });
        }
      }
      const why = existsSync(join(out, 'refused.txt')) ? readFileSync(join(out, 'refused.txt'), 'utf8') : null;
      if (why) refused.push({ model, variant: name, why });
      files.push({ name: why ? `${name}: refused; smallest` : name, file: join(out, MODEL_FILE) });
    }
    log(`timing ${files.length} models side by side (load ${loadAverage()})`);
    const timed: CompareRow[] = compareModels(files, seconds, 5);
    const base = timed[0];
    for (const r of timed) {
      points.push({ model, variant: r.variant, bytes: r.bytes, auc: r.testAuc ?? Number.NaN });
      rows.push({
        model,
        variant: r.variant,
        'test AUC': r.testAuc?.toFixed(5) ?? '-',
        'Δ AUC': r === base || r.testAuc === null ? '-' : signed(r.testAuc - base.testAuc!),
        'file bytes': r.bytes,
        'x smaller': (base.bytes / r.bytes).toFixed(2),
        'gzip bytes': r.gzipBytes,
        'batch-4096 rows/s': Math.round(r.throughput),
        kernels,
        threads: 1,
      });
    }
  }
  const file = report('bytes', rows, { models, kernels, threads: 1, refused });
  for (const r of refused) console.log(`${r.model} ${r.variant}: ${r.why}`);
  writeFileAtomic(join(work, 'points.json'), JSON.stringify(points));
  const svg = chart(
    models.map((m) => ({
      name: m,
      points: points.filter((p) => p.model === m).map((p) => [p.bytes, p.auc] as [number, number]),
    })),
    {
      title: 'Test AUC against model file bytes (criteo_80k)',
      xLabel: 'file bytes (log scale)',
      yLabel: 'test AUC',
      logX: true,
    },
  );
  const best = models.map((m) => {
    const mine = points.filter((p) => p.model === m);
    const orig = mine[0];
    const ok = mine.filter((p) => p.auc >= orig.auc - 0.002).sort((a, b) => a.bytes - b.bytes)[0];
    return `${m}: ${ok.variant}, ${(orig.bytes / ok.bytes).toFixed(1)}x smaller at Δ AUC ${signed(ok.auc - orig.auc)}`;
  });
  writeResultsSection(
    'bytes',
    [
      '## Byte budgets: low rank and quantization under one size',
      '',
      `\`npm run bench -- bytes\`, ${new Date().toISOString().slice(0, 10)}: ${ds.text}. Models trained with examples/criteo_deepfm.yaml's settings (embedding 16, MLP 400-400-400), seed 2024; no variant is fine-tuned. "int8": tables and Linear weights in 8 bits; "int4 tables": tables in 4 bits, Linear weights in 8; first-order weights in half precision whenever a model is quantized. \`--bytes\` picks ranks and bits together for a file of at most 1/10 or 1/20 of the original's. Bytes are the model.safetensors file (weights, encoders, metadata); gzip is \`gzip -9\` of it. Throughput: batch-4096 rows/s on ${kernels} kernels, 1 thread, every variant of a model timed interleaved (median of 5 rounds); load average ${loadAverage()} at the end.`,
      '',
      formatTable(rows),
      '',
      `Smallest file within 0.002 test AUC of its original: ${best.join('; ')}.`,
      ...refused.map((r) => `\n${r.model}, ${r.variant}: refused, \`${r.why.replace(/^--bytes \d+: /, '')}\`.`),
    ].join('\n'),
    [svg],
  );
  console.log(`wrote ${file} and docs/results.md (bytes)`);
}

const signed = (x: number): string => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(5)}`;
