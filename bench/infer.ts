/**
 * `npm run bench -- infer [--quick] [--backends wasm,native] [--seconds S]`: raw inference on one
 * thread, slimctr's kernels (each backend) against onnxruntime-node (one intra-op thread) on the
 * same models and the same encoded rows: the DeepFM pair of bench/lib/criteo_pair.ts (criteo_80k,
 * original and AFM ratio 3) exported to ONNX, scoring the encoded test rows at batch 1, 64 and
 * 4096. Each figure is the median over groups of calls (a group lasts ~0.2 s) of the mean time
 * per call, slimctr and onnxruntime taking turns group by group; ratios are slimctr ÷ onnxruntime.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { initEngine } from '../src/kernels/engine.js';
import { loadModel } from '../src/persist/model_file.js';
import { onnxRunner } from '../src/serve/runners.js';
import { exportOnnx } from '../src/serve/onnx/export.js';
import { predictLogits } from '../src/models/predict.js';
import { formatTable } from '../src/cli/table.js';
import { criteoPair, encodeTestRows } from './lib/criteo_pair.js';
import { writeResultsSection } from './lib/results_doc.js';
import { timeCalls } from './lib/time_calls.js';
import { benchBackends, kernelsOf, loadAverage, report, type Row } from './report.js';

const BATCHES = [1, 64, 4096];

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      quick: { type: 'boolean', default: false },
      backends: { type: 'string' },
      seconds: { type: 'string', default: '2' },
    },
  });
  const seconds = Number(values.seconds);
  const backends = await benchBackends(values.backends);
  const dir = mkdtempSync(join(tmpdir(), 'slimctr-bench-infer-'));
  const rows: Row[] = [];
  try {
    const pair = await criteoPair(dir, {
      quick: values.quick,
      threads: 2,
      log: (m) => console.error(`infer bench: ${m}`),
    });
    const test = await encodeTestRows(pair);
    const { fields: F, numeric: N } = test;
    for (const m of [pair.original, pair.compressed]) {
      const loaded = loadModel(m.path);
      const ort = await onnxRunner(
        exportOnnx(loaded.model, loaded.meta.features, { bits: loaded.meta.compression?.bits }),
        F,
        N,
      );
      for (const backend of backends) {
        const e = await initEngine({ threads: 1, backend });
        const { model } = loadModel(m.path);
        const cells: Row = { model: m.name, params: m.params, kernels: kernelsOf(e), threads: 1 };
        for (const batch of BATCHES) {
          const slice = (o: number) => ({
            ids: test.ids.subarray(o * F, (o + batch) * F),
            dense: test.dense.subarray(o * N, (o + batch) * N),
          });
          // slimctr and onnxruntime take turns (time_calls.ts), so the ratio is fair on a busy machine.
          const [sec, ortSec] = await timeCalls(
            [
              (o) => predictLogits(model, { rows: batch, ...slice(o) }),
              (o) => {
                const s = slice(o);
                return ort.run(batch, s.ids, s.dense);
              },
            ],
            batch,
            test.rows,
            seconds,
          );
          const ratio = ortSec / sec;
          cells[`batch ${batch}`] =
            batch === 1
              ? `${(sec * 1e3).toFixed(3)} ms vs ${(ortSec * 1e3).toFixed(3)} (${ratio.toFixed(2)}x)`
              : `${Math.round(batch / sec)} vs ${Math.round(batch / ortSec)} rows/s (${ratio.toFixed(2)}x)`;
        }
        cells.load = loadAverage();
        rows.push(cells);
        process.stderr.write(`infer bench: ${m.name} on ${cells.kernels} done\n`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const legend =
    'Cells: slimctr vs onnxruntime-node 1.30 (1 intra-op thread) on the same rows; (x) = slimctr speed ÷ onnxruntime speed.';
  process.stdout.write(`${legend}\n`);
  report('infer', rows);
  if (!values.quick)
    writeResultsSection(
      'infer',
      [
        '## Inference: slimctr kernels against onnxruntime-node',
        '',
        `\`npm run bench -- infer\`, ${new Date().toISOString().slice(0, 10)}: ${cpus()[0]?.model} (${availableParallelism()} cores); the DeepFM pair of bench/lib/criteo_pair.ts (criteo_80k, one epoch, embedding 16, MLP 400-400-400; AFM at ratio 3 without fine-tuning), each exported to ONNX for onnxruntime; the encoded test rows (64,001-80,000), one thread on both sides; slimctr and onnxruntime taking turns in groups of calls lasting about 0.2 s, each figure the median group. Targets (native kernels): at least 1.2x onnxruntime's throughput at batch 4096, and at most its latency at batch 1.`,
        '',
        formatTable(rows).trim(),
        '',
        legend,
      ].join('\n'),
      [],
    );
}
