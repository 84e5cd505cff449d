import type { Command } from '../command.js';
import { readOnnxFile } from '../../io/onnx/read_file.js';
import { summarizeGraph, type GraphSummary } from '../../models/onnx/summary.js';
import { UsageError } from '../../util/errors.js';
import { parseFlags } from '../flags.js';
import { formatTable } from '../table.js';

const mb = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(bytes < 2 ** 20 ? 3 : 1)} MiB`;

function formatGraphSummary(file: string, s: GraphSummary): string {
  const targetParams = s.targets.reduce((a, t) => a + t.params, 0);
  const share = s.params ? ` (${((100 * targetParams) / s.params).toFixed(1)}% of the weights)` : '';
  return [
    `${file}: ONNX IR ${s.irVersion}, opset ${s.opset}${s.producer ? `, from ${s.producer}` : ''}`,
    '',
    'inputs:',
    ...s.inputs.map((x) => `  ${x}`),
    'outputs:',
    ...s.outputs.map((x) => `  ${x}`),
    '',
    `ops (${s.nodes} nodes): ${s.ops.map(([op, n]) => `${op} ${n}`).join(', ')}`,
    `weights: ${s.params} float values, ${mb(s.bytes)} as float32`,
    '',
    `compressible: ${s.targets.length} parts, ${targetParams} values, ${mb(4 * targetParams)}${share}`,
    formatTable(
      s.targets.map((t) => ({
        kind: t.kind,
        name: t.name,
        shape: t.shape,
        params: t.params,
        bytes: t.bytes,
        nodes: t.nodes.join(' '),
      })),
    ),
  ].join('\n');
}

export const inspectOnnxCommand: Command = {
  name: 'inspect-onnx',
  summary: 'describe an ONNX model: inputs, outputs, ops, and what compression can factorize',
  usage: `Usage: slimctr inspect-onnx MODEL.onnx

Reads an ONNX model (opsets 11-19, all tensors inside the file) and prints its inputs and outputs
(element type and shape; 'batch' or another name marks a symbolic axis), how many nodes of each op
it has, how many float weights it holds, and the parts compression can factorize: each Gemm/MatMul
whose weight is a 2-D initializer (a linear map in -> out) and each 2-D float initializer read only
by Gather (an embedding table, counted once however many nodes read it), with their parameters
and float32 bytes.`,
  flags: [],
  async run(argv) {
    const files = parseFlags('inspect-onnx', [], argv, { positionals: true }).positionals;
    if (files.length !== 1) throw new UsageError('expected one MODEL.onnx (see slimctr inspect-onnx --help)');
    process.stdout.write(formatGraphSummary(files[0], summarizeGraph(readOnnxFile(files[0]))));
    return 0;
  },
};
