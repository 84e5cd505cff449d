/** `slimctr compress --onnx MODEL.onnx --data CALIB.npz --ratio R --out OUT.onnx`: compress a graph trained elsewhere. */
import { existsSync } from 'node:fs';
import { compressOnnx, reportPathOf } from '../../jobs/compress_onnx.js';
import { ensureEngine } from '../../train/setup.js';
import { UsageError } from '../../util/errors.js';
import { type Flag, POSITIVE, POSITIVE_INT, parseFlags } from '../flags.js';
import { formatTable } from '../table.js';
import { THREADS_FLAG } from './eval.js';
import { RANK_FLAGS, rankChoiceOf } from './rank_flags.js';

export const COMPRESS_ONNX_FLAGS = [
  { name: 'onnx', kind: 'string', arg: 'FILE', required: true, help: 'the ONNX model (see slimctr inspect-onnx)' },
  {
    name: 'data',
    kind: 'string',
    arg: 'FILE',
    required: true,
    help: "graph inputs for the statistics (.npz or .csv), with a 'label' array\nfor --finetune and for scores",
  },
  {
    name: 'eval-data',
    kind: 'string',
    arg: 'FILE',
    help: 'labelled inputs to score on and stop fine-tuning by (default: --data)',
  },
  ...RANK_FLAGS,
  { name: 'method', kind: 'string', arg: 'M', choices: ['afm', 'svd'], default: 'afm', help: 'afm | svd (baseline)' },
  {
    name: 'stats-rows',
    kind: 'number',
    arg: 'N',
    rule: POSITIVE_INT,
    help: 'statistics from the first N rows (default: all, at most 65536)',
  },
  {
    name: 'finetune',
    kind: 'boolean',
    help: 'train the compressed graph on --data, early stopping on --eval-data AUC,\nand the original the same steps (the control)',
  },
  { name: 'epochs', kind: 'number', arg: 'N', rule: POSITIVE_INT, default: 3, help: 'fine-tuning epochs at most' },
  { name: 'lr', kind: 'number', arg: 'X', rule: POSITIVE, default: 1e-4, help: 'fine-tuning learning rate (Adam)' },
  { name: 'batch', kind: 'number', arg: 'N', rule: POSITIVE_INT, default: 1024, help: 'fine-tuning batch size' },
  {
    name: 'patience',
    kind: 'number',
    arg: 'N',
    rule: POSITIVE_INT,
    default: 1,
    help: 'fine-tuning epochs without improvement before stopping',
  },
  { name: 'no-control', kind: 'boolean', help: 'with --finetune, skip training the original for comparison' },
  {
    name: 'out',
    kind: 'string',
    arg: 'FILE',
    required: true,
    help: 'the compressed ONNX model to write (its report goes beside it)',
  },
  { name: 'force', kind: 'boolean', help: 'replace an existing --out file and its report' },
  THREADS_FLAG,
  { name: 'json', kind: 'boolean', help: 'print the result as JSON' },
] as const satisfies readonly Flag[];

export const COMPRESS_ONNX_USAGE = `Usage: slimctr compress --onnx MODEL.onnx --data INPUTS.npz (--ratio R | --energy E | --ranks FILE) --out OUT.onnx [options]

Compresses an ONNX model trained elsewhere (e.g. exported from PyTorch with torch.onnx.export).
The graph runs in slimctr's engine on INPUTS (np.savez of the graph inputs by name, or CSV); the
output statistics of every Gemm/MatMul weight and the rows every gathered embedding table gives
choose the ranks, and OUT.onnx is the user's own graph with those weights factorized (two
MatMuls for a layer; a narrow table, a MatMul and an Add for a table). OUT.report.json holds the
ranks and the scores (AUC, logloss on the labelled data) of the original and compressed models.`;

export async function compressOnnxCommand(argv: string[]): Promise<number> {
  const { values } = parseFlags('compress', COMPRESS_ONNX_FLAGS, argv);
  for (const k of ['onnx', 'data', 'eval-data'] as const) {
    const f = values[k];
    if (f !== undefined && !existsSync(f)) throw new UsageError(`--${k} ${f}: no such file`);
  }
  if (!/\.onnx$/i.test(values.out))
    throw new UsageError(`--out ${values.out}: the compressed model is written as a .onnx file`);
  await ensureEngine(values.threads ?? 0, undefined, '--threads');
  const log = values.json ? undefined : (m: string) => process.stderr.write(`${m}\n`);
  const r = await compressOnnx(values.onnx, {
    method: values.method,
    rank: rankChoiceOf(values),
    data: values.data,
    evalData: values['eval-data'],
    statsRows: values['stats-rows'],
    finetune: values.finetune
      ? {
          epochs: values.epochs,
          lr: values.lr,
          batchSize: values.batch,
          patience: values.patience,
          control: !values['no-control'],
        }
      : null,
    out: values.out,
    force: values.force,
    log,
  });
  if (values.json) {
    process.stdout.write(`${JSON.stringify(r)}\n`);
    return 0;
  }
  const score = (x: number | undefined): string => (x === undefined ? '-' : x.toFixed(5));
  const rows = r.variants.map((v) => ({
    model: v.name,
    params: v.params,
    'MB on disk': v.file === null ? '-' : (v.bytes / 2 ** 20).toFixed(2),
    AUC: score(v.metrics?.auc),
    logloss: score(v.metrics?.logloss),
    epochs: v.fit ? `${v.fit.epochs} (best ${v.fit.bestEpoch})` : '',
  }));
  process.stdout.write(`\n${formatTable(rows)}\n`);
  process.stdout.write(
    `\n${r.paramsBefore} -> ${r.paramsAfter} parameters (${(r.paramsBefore / r.paramsAfter).toFixed(2)}x); wrote ${r.out} and ${reportPathOf(r.out)}\n`,
  );
  return 0;
}
