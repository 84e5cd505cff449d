/**
 * `npm run bench -- onnx [--seconds S] [--epochs N] [--models deepfm,dcn] [--quick]`: the PyTorch
 * user's path, measured. A DeepFM and a DCN (bench/torch_models.py) trained in PyTorch on criteo_80k
 * (bench/torch_onnx.py, Debian's python3-torch; the benchmark skips when it cannot be installed),
 * early-stopped on validation AUC and exported with torch.onnx.export, are compressed by
 * `slimctr compress --onnx` at ratio 3 with AFM and with SVD, each without and with fine-tuning (and
 * the control: the original given AFM's extra training). For each ONNX file, side by side in one
 * run: parameters, bytes, test AUC and logloss on rows 64,001-80,000 scored by onnxruntime-node,
 * and onnxruntime-node's batch-1 latency and batch-4096 throughput with one intra-op thread: what a
 * team deploying the file gets. Beside each compressed row, the issue's targets: >= 3x fewer
 * parameters, test AUC within 0.002 of the original before fine-tuning, >= 1.5x the original's
 * batch-4096 throughput. `--quick` (small MLP, one PyTorch epoch, one timing round) prints the tables
 * without rewriting docs/results.md.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { formatTable } from '../src/cli/table.js';
import type { Method } from '../src/compress/plan.js';
import { compressOnnx, type OnnxCompressResult } from '../src/jobs/compress_onnx.js';
import { rewriteOnnx } from '../src/io/onnx/rewrite.js';
import { initEngine } from '../src/kernels/engine.js';
import { ortScores, testRows, type OrtScore } from './lib/ort_score.js';
import { writeResultsSection } from './lib/results_doc.js';
import { PY, torchReady } from './lib/torch_ready.js';
import { loadAverage, report, type Row } from './report.js';

const SCRIPT = fileURLToPath(new URL('../../bench/torch_onnx.py', import.meta.url));
const RATIO = 3,
  MAX_AUC_LOSS = 0.002,
  MIN_SPEEDUP = 1.5;
const NAMES: Record<string, string> = { deepfm: 'DeepFM', dcn: 'DCN' };

interface Variant {
  name: string;
  file: string;
  params: number;
  finetuned: boolean;
  /** A reference row, not a compressed model: no targets. */
  reference?: boolean;
}

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      seconds: { type: 'string', default: '3' },
      epochs: { type: 'string', default: '3' },
      models: { type: 'string', default: 'deepfm,dcn' },
      quick: { type: 'boolean' },
    },
  });
  const missing = torchReady();
  if (missing) {
    process.stdout.write(`onnx: skipped: ${missing}\n`);
    return;
  }
  const shared = process.env.SLIMCTR_SHARED_DATA ?? fileURLToPath(new URL('../../../shared/data', import.meta.url));
  const dir = mkdtempSync(join(tmpdir(), 'slimctr-bench-onnx-'));
  const hidden = values.quick ? '64,32' : '400,400,400';
  const seconds = values.quick ? 1 : Number(values.seconds);
  const log = (m: string): void => console.error(`onnx bench: ${m}`);
  const rows: Row[] = [];
  const sections: string[] = [];
  const torchMeta: Record<string, Record<string, unknown>> = {};
  try {
    await initEngine({ threads: 1 });
    for (const model of values.models.split(',')) {
      const torch = trainInPyTorch(model, join(shared, 'criteo/criteo_80k.tsv'), dir, hidden, values.quick);
      torchMeta[model] = torch;
      log(`PyTorch ${model} ${hidden}: ${torch.params} parameters, test AUC ${Number(torch.test_auc).toFixed(5)}`);
      const original = join(dir, `${model}.onnx`),
        rewritten = join(dir, `${model}.rewritten.onnx`);
      // The writer's graph changes alone (no factoring; for DCN the 1-D MatMuls become column
      // products): what part of the speed-up is not compression.
      writeFileSync(rewritten, rewriteOnnx(readFileSync(original), original, { linears: [], tables: [] }));
      const variants: Variant[] = [
        { name: 'PyTorch original', file: original, params: Number(torch.params), finetuned: false, reference: false },
        {
          name: 'original, rewritten without factoring',
          file: rewritten,
          params: Number(torch.params),
          finetuned: false,
          reference: true,
        },
      ];
      const controls: string[] = [];
      for (const method of ['afm', 'svd'] as const) {
        const [plain, tuned] = await compressBoth(dir, model, method, Number(values.epochs), log);
        const fit = tuned.variants.find((v) => v.fit)?.fit;
        variants.push(
          { name: method.toUpperCase(), file: plain.out, params: plain.paramsAfter, finetuned: false },
          {
            name: `${method.toUpperCase()} + fine-tune (best epoch ${fit?.bestEpoch ?? '?'} of ${fit?.epochs ?? '?'})`,
            file: tuned.out,
            params: tuned.paramsAfter,
            finetuned: true,
          },
        );
        controls.push(controlNote(method, tuned));
      }
      const test = testRows(join(dir, 'test.npz'));
      const scores = await ortScores(
        variants.map((v) => v.file),
        test,
        seconds,
      );
      const table = variants.map((v, i) => rowOf(NAMES[model] ?? model, v, scores[i], scores[0], variants[0].params));
      rows.push(...table);
      sections.push(
        [
          `### ${NAMES[model] ?? model}`,
          '',
          `PyTorch: ${torch.params} parameters, best validation epoch ${torch.best_epoch} of ${torch.epochs} (validation AUC by epoch ${(torch.valid_auc_by_epoch as number[]).map((a) => a.toFixed(4)).join(', ')}), ${Number(torch.train_seconds).toFixed(0)} s to train.`,
          '',
          formatTable(table).trimEnd(),
          '',
          `Fine-tuning keeps its best validation epoch; epoch 0 is the compressed model as it was. Validation AUC (rows 56,001-64,000): ${controls.join(' ')}`,
        ].join('\n'),
      );
    }
    report('onnx', rows, { torch: torchMeta, hidden });
    const version = Object.values(torchMeta)[0]?.torch ?? '?';
    if (!values.quick)
      writeResultsSection(
        'onnx',
        [
          '## ONNX from PyTorch: compress --onnx',
          `\`npm run bench -- onnx\`, ${new Date().toISOString().slice(0, 10)}: PyTorch ${version} models (bench/torch_models.py: 26 tables of 16 and 13 numeric fields as value x vector, MLP ${hidden}; DCN with 3 cross layers) trained on criteo_80k rows 1-56,000 (Adam lr 1e-3, batch 1024; the best validation epoch, stopping after the first worse one, at most 10), exported with torch.onnx.export (opset 17), compressed by slimctr at --ratio ${RATIO} (statistics on the training rows; fine-tuning at most ${values.epochs} epochs, lr 1e-4, early stopping on rows 56,001-64,000), scored on rows 64,001-80,000 by onnxruntime-node with one intra-op thread (the files of a model taking turns in groups of calls lasting about 0.2 s, ${seconds} s per file and batch size; the median group) on ${cpus()[0]?.model ?? 'an unknown CPU'} (${availableParallelism()} cores, shared); load average ${loadAverage()} at the end. Targets: >= ${RATIO}x fewer parameters, test AUC within ${MAX_AUC_LOSS} of the original before fine-tuning, >= ${MIN_SPEEDUP}x the original's batch-4096 throughput. "Original, rewritten without factoring" is the original through slimctr's ONNX writer with nothing factored (DCN's 1-D MatMuls become column products, which onnxruntime runs faster): the part of a speed-up that is not compression.`,
          ...sections,
        ].join('\n\n'),
        [],
      );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Trains and exports `model` with bench/torch_onnx.py into `dir`; returns its meta (parameters, AUCs, epochs). */
function trainInPyTorch(model: string, data: string, dir: string, hidden: string, quick?: boolean) {
  const epochs = quick ? '1' : '10';
  const py = spawnSync(PY, [SCRIPT, data, dir, '--model', model, '--hidden', hidden, '--epochs', epochs], {
    encoding: 'utf8',
  });
  if (py.status !== 0) throw new Error(`bench onnx: PyTorch training or export failed:\n${py.stderr}`);
  return JSON.parse(readFileSync(join(dir, `${model}.json`), 'utf8')) as Record<string, unknown>;
}

/** `model` compressed by `method` at ratio 3, without and with fine-tuning (AFM's with the control). */
async function compressBoth(
  dir: string,
  model: string,
  method: Method,
  epochs: number,
  log: (m: string) => void,
): Promise<[OnnxCompressResult, OnnxCompressResult]> {
  const common = {
    method,
    rank: { by: 'ratio' as const, ratio: RATIO },
    data: join(dir, 'train.npz'),
    evalData: join(dir, 'valid.npz'),
    log: (m: string) => log(`${model} ${method}: ${m}`),
  };
  const source = join(dir, `${model}.onnx`);
  const plain = await compressOnnx(source, { ...common, out: join(dir, `${model}-${method}.onnx`) });
  const finetune = { epochs, lr: 1e-4, batchSize: 1024, patience: 1, control: method === 'afm' };
  const tuned = await compressOnnx(source, { ...common, out: join(dir, `${model}-${method}-ft.onnx`), finetune });
  return [plain, tuned];
}

/** The validation AUCs of a fine-tuning run: original, before and after fine-tuning, and the control if trained. */
function controlNote(method: Method, tuned: OnnxCompressResult): string {
  const auc = (name: string): string | null =>
    tuned.variants.find((v) => v.name === name)?.metrics?.auc.toFixed(5) ?? null;
  const control = auc('original + same training (control)');
  return `${method.toUpperCase()}: original ${auc('original')}, compressed ${auc('compressed, before fine-tuning')}, fine-tuned ${auc('compressed, fine-tuned')}${control ? `; the original given the same extra training (the control) ${control}` : ''}.`;
}

function rowOf(model: string, v: Variant, s: OrtScore, original: OrtScore, originalParams: number): Row {
  const isOriginal = s === original || v.reference === true;
  const ratio = originalParams / v.params,
    dAuc = s.auc - original.auc,
    speed = original.batch4096 / s.batch4096;
  const check = (ok: boolean): string => (isOriginal ? '' : ok ? 'met' : 'MISSED');
  return {
    model,
    variant: v.name,
    params: v.params,
    ratio: `${ratio.toFixed(2)}x`,
    MB: (s.bytes / 2 ** 20).toFixed(2),
    'test AUC': s.auc.toFixed(5),
    'Δ AUC': isOriginal ? '' : dAuc.toFixed(5),
    'test logloss': s.logloss.toFixed(5),
    'batch-1 ms': (s.batch1 * 1e3).toFixed(4),
    'batch-4096 rows/s': Math.round(4096 / s.batch4096),
    'speed-up': `${speed.toFixed(2)}x`,
    [`ratio >= ${RATIO}x`]: check(ratio >= RATIO),
    [`Δ AUC >= -${MAX_AUC_LOSS}`]: v.finetuned ? (isOriginal ? '' : '(fine-tuned)') : check(dAuc >= -MAX_AUC_LOSS),
    [`speed-up >= ${MIN_SPEEDUP}x`]: check(speed >= MIN_SPEEDUP),
    runtime: 'onnxruntime-node, 1 thread',
    load: loadAverage(),
  };
}
