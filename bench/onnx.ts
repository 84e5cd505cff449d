/**
 * `npm run bench -- onnx [--seconds S] [--epochs N] [--quick]`: the PyTorch user's path, measured.
 * A DeepFM trained in PyTorch on criteo_80k (bench/lib/pytorch_deepfm.py, Debian's python3-torch,
 * installed with apt-get when missing) and exported with torch.onnx.export is compressed by
 * `slimctr compress --onnx` at ratio 3, without and with fine-tuning (and the control). For each
 * ONNX file, side by side in one run: parameters, bytes, test AUC and logloss on rows
 * 64,001-80,000 scored by onnxruntime-node, and onnxruntime-node's batch-1 latency and batch-4096
 * throughput with one intra-op thread: what a team deploying the file gets.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { readNpz } from '../src/data/formats/npz.js';
import { compressOnnx } from '../src/jobs/compress_onnx.js';
import { initEngine } from '../src/kernels/engine.js';
import { logloss, rocAuc } from '../src/metrics/index.js';
import { formatTable } from '../src/cli/table.js';
import { writeResultsSection } from './lib/results_doc.js';
import { timeCalls } from './lib/time_calls.js';
import { PY, torchReady } from './lib/torch_ready.js';
import { loadAverage, report, type Row } from './report.js';

const SCRIPT = fileURLToPath(new URL('../../bench/lib/pytorch_deepfm.py', import.meta.url));

async function session(file: string): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(file, { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential' });
}

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      seconds: { type: 'string', default: '3' },
      epochs: { type: 'string', default: '3' },
      quick: { type: 'boolean' },
    },
  });
  const missing = torchReady();
  if (missing) throw new Error(`bench onnx: ${missing}`);
  const shared = process.env.SLIMCTR_SHARED_DATA ?? fileURLToPath(new URL('../../../shared/data', import.meta.url));
  const dir = mkdtempSync(join(tmpdir(), 'slimctr-bench-onnx-'));
  const rows: Row[] = [];
  try {
    const hidden = values.quick ? '64,32' : '400,400,400';
    const py = spawnSync(PY, [SCRIPT, join(shared, 'criteo/criteo_80k.tsv'), dir, '--hidden', hidden], {
      encoding: 'utf8',
    });
    if (py.status !== 0) throw new Error(`bench onnx: PyTorch export failed:\n${py.stderr}`);
    const torch = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8'));
    console.error(
      `onnx bench: PyTorch DeepFM ${hidden}, ${torch.params} parameters, test AUC ${torch.test_auc.toFixed(5)}`,
    );
    await initEngine({ threads: 1 });
    const log = (m: string): void => console.error(`onnx bench: ${m}`);
    const common = {
      method: 'afm' as const,
      rank: { by: 'ratio' as const, ratio: 3 },
      data: join(dir, 'train.npz'),
      evalData: join(dir, 'valid.npz'),
      log,
    };
    const plain = await compressOnnx(join(dir, 'model.onnx'), { ...common, out: join(dir, 'afm3.onnx') });
    const ft = { epochs: Number(values.epochs), lr: 1e-4, batchSize: 1024, patience: 1, control: true };
    const tuned = await compressOnnx(join(dir, 'model.onnx'), {
      ...common,
      out: join(dir, 'afm3-ft.onnx'),
      finetune: ft,
    });
    const fit = tuned.variants.find((v) => v.fit)?.fit;

    const test = readNpz(join(dir, 'test.npz'));
    const ids = test.get('ids')!,
      dense = test.get('dense')!,
      labels = test.get('label')!.data;
    const n = ids.shape[0],
      F = ids.shape[1],
      N = dense.shape[1];
    const ids64 = BigInt64Array.from(ids.data, (v) => BigInt(v)),
      dense32 = Float32Array.from(dense.data);
    const feeds = (o: number, b: number) => ({
      ids: new ort.Tensor('int64', ids64.subarray(o * F, (o + b) * F), [b, F]),
      dense: new ort.Tensor('float32', dense32.subarray(o * N, (o + b) * N), [b, N]),
    });
    const seconds = Number(values.seconds);
    const models: [string, string, number][] = [
      ['PyTorch DeepFM (original)', 'model.onnx', torch.params],
      ['slimctr compress --onnx --ratio 3', 'afm3.onnx', plain.paramsAfter],
      [`the same, --finetune (${fit?.epochs ?? '?'} epochs)`, 'afm3-ft.onnx', tuned.paramsAfter],
    ];
    const timed: { b1: number; b4096: number }[] = [];
    for (const [name, file, params] of models) {
      const s = await session(join(dir, file));
      const probs = (await s.run(feeds(0, n))).prob.data as Float32Array;
      const b1 = await timeCalls((o) => s.run(feeds(o, 1)), 1, n, seconds);
      const b4096 = await timeCalls((o) => s.run(feeds(o, 4096)), 4096, n, seconds);
      await s.release();
      timed.push({ b1, b4096 });
      rows.push({
        model: name,
        params,
        MB: (statSync(join(dir, file)).size / 2 ** 20).toFixed(2),
        'test AUC': rocAuc(labels, probs).toFixed(5),
        'test logloss': logloss(labels, probs).toFixed(5),
        'batch-1 ms': (b1 * 1e3).toFixed(4),
        'batch-4096 rows/s': Math.round(4096 / b4096),
        runtime: 'onnxruntime-node 1 thread',
        load: loadAverage(),
      });
    }
    const speed = timed.map((t) => `${(timed[0].b4096 / t.b4096).toFixed(2)}x`);
    const valid = (name: string): string => tuned.variants.find((v) => v.name === name)?.metrics?.auc.toFixed(5) ?? '?';
    const control = `Validation AUC (rows 56,001-64,000): original ${valid('original')}, compressed and fine-tuned ${valid('compressed, fine-tuned')}, the original given the same training (the control) ${valid('original + same training (control)')}: the PyTorch model was trained one epoch, so part of the fine-tuned model's gain is the extra training, not the compression.`;
    process.stdout.write(`Throughput at batch 4096 against the original, same run: ${speed.join(', ')}\n${control}\n`);
    report('onnx', rows, { torch });
    writeResultsSection(
      'onnx',
      [
        '## ONNX from PyTorch: compress --onnx',
        '',
        `\`npm run bench -- onnx\`, ${new Date().toISOString().slice(0, 10)}: a DeepFM (${hidden} MLP, 26 tables of 16) trained one epoch in PyTorch ${torch.torch} on criteo_80k rows 1-56,000, exported with torch.onnx.export (opset 17), compressed by slimctr at --ratio 3 (statistics on the training rows, early stopping on rows 56,001-64,000), scored on rows 64,001-80,000 by onnxruntime-node with one thread; load average ${loadAverage()} at the end.`,
        '',
        formatTable(rows),
        '',
        `Batch-4096 throughput against the original, same run: ${speed.join(', ')}. ${control}`,
      ].join('\n'),
      [],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
