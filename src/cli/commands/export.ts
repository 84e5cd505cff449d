import type { Command } from '../command.js';
import { type Flag, parseFlags, usageOf } from '../flags.js';
import { loadModel } from '../../persist/model_file.js';
import { writeOnnx } from '../../serve/onnx/export.js';
import { ensureEngine } from '../../train/setup.js';
import { modelPathOf } from './eval.js';

const FLAGS = [
  {
    name: 'model',
    kind: 'string',
    arg: 'PATH',
    required: true,
    help: 'a run folder (uses its model.safetensors) or a model file',
  },
  {
    name: 'format',
    kind: 'string',
    arg: 'NAME',
    choices: ['onnx'],
    default: 'onnx',
    help: 'onnx (the only format so far)',
  },
  { name: 'out', kind: 'string', arg: 'FILE', required: true, help: 'where to write' },
] as const satisfies readonly Flag[];

export const exportCommand: Command = {
  name: 'export',
  summary: 'export a trained (or compressed) model to ONNX',
  usage: usageOf(
    `Usage: slimctr export --model RUN_OR_FILE --format onnx --out model.onnx

Writes the model (original or compressed) as an ONNX graph (opset 17): inputs "ids" int64
[batch, F] (encoded categorical ids, after the model's encoders) and "dense" float [batch, N]
(when the model has numeric features); output "prob" float [batch], the click probability.
A quantized model stays quantized: tables as UINT8 levels with FLOAT16 row scales and offsets
(4-bit: two levels a byte, split in the graph), int8 weights as INT8 times per-column scales.
The file is written atomically.`,
    FLAGS,
  ),
  flags: FLAGS,
  async run(argv) {
    const { values } = parseFlags('export', FLAGS, argv);
    await ensureEngine(1);
    const path = modelPathOf(values.model);
    const { model, meta } = loadModel(path);
    const { quantized } = writeOnnx(values.out, model, meta.features, {
      docString: `slimctr ${meta.kind}${meta.compression ? ` compressed (${meta.compression.method})` : ''} from ${path}`,
      bits: meta.compression?.bits,
    });
    process.stderr.write(`export: wrote ${values.out} (${meta.kind}${meta.compression ? ', compressed' : ''}, onnx)\n`);
    if (quantized) process.stderr.write(`export: quantized tensors: ${quantized}\n`);
    return 0;
  },
};
