import type { Command } from '../command.js';
import { loadModel } from '../../persist/model_file.js';
import { writeOnnx } from '../../serve/onnx/export.js';
import { ensureEngine } from '../../train/setup.js';
import { UsageError } from '../../util/errors.js';
import { modelPathOf } from './eval.js';
import { takeFlags } from './train.js';

const FORMATS = ['onnx'];

export const exportCommand: Command = {
  name: 'export',
  summary: 'export a trained (or compressed) model to ONNX',
  usage: `Usage: slimctr export --model RUN_OR_FILE --format onnx --out model.onnx

Writes the model (original or compressed) as an ONNX graph (opset 17): inputs "ids" int64
[batch, F] (encoded categorical ids, after the model's encoders) and "dense" float [batch, N]
(when the model has numeric features); output "prob" float [batch], the click probability.
The file is written atomically.

Options:
  --model PATH     a run folder (uses its model.safetensors) or a model file
  --format NAME    onnx (the only format so far)
  --out FILE       where to write`,
  async run(argv) {
    const { values, rest } = takeFlags(argv, ['model', 'format', 'out'], []);
    if (rest.length) throw new UsageError(`unknown argument '${rest[0]}' (see slimctr export --help)`);
    if (!values.model) throw new UsageError('--model RUN_OR_FILE is required');
    if (!values.out) throw new UsageError('--out FILE is required');
    const format = values.format ?? 'onnx';
    if (!FORMATS.includes(format))
      throw new UsageError(`--format ${format}: unknown export format (known: ${FORMATS.join(', ')})`);
    await ensureEngine(1);
    const path = modelPathOf(values.model);
    const { model, meta } = loadModel(path);
    writeOnnx(values.out, model, meta.features, {
      docString: `slimctr ${meta.kind}${meta.compression ? ` compressed (${meta.compression.method})` : ''} from ${path}`,
    });
    process.stderr.write(`export: wrote ${values.out} (${meta.kind}${meta.compression ? ', compressed' : ''}, onnx)\n`);
    return 0;
  },
};
