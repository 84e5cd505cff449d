/**
 * The logit of an imported CTR graph: the input of the Sigmoid that makes its probability output,
 * looking back through the ops that only reshape ([B, 1] -> [B] and the like). Fine-tuning takes
 * the loss on the logit, as training in PyTorch does with BCEWithLogits.
 */
import type { OnnxModel } from '../../io/onnx/read.js';

const RESHAPING = new Set(['Reshape', 'Squeeze', 'Unsqueeze', 'Flatten', 'Identity']);

/** The name of the value under the final Sigmoid of `output`, or null when the output is not a Sigmoid's. */
export function logitName(graph: OnnxModel, output: string): string | null {
  const producer = new Map(graph.nodes.flatMap((n) => n.outputs.map((o) => [o, n] as const)));
  let name = output;
  for (let hops = 0; hops < graph.nodes.length; hops++) {
    const node = producer.get(name);
    if (!node) return null;
    if (node.opType === 'Sigmoid') return node.inputs[0];
    if (!RESHAPING.has(node.opType)) return null;
    name = node.inputs[0];
  }
  return null;
}
