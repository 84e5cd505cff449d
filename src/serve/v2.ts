/**
 * The Open Inference Protocol (KServe v2, Triton) shapes the server answers with: server and model
 * metadata, and the inference response. Each raw input column is a [rows, 1] tensor (BYTES for
 * categorical columns, which take any string; FP32 for numeric ones); the output `probability` is
 * FP32 [rows, 1], as JSON or as binary data. Requests are parsed in v2_request.ts (encodeV2Body) and
 * graph_request.ts; binary tensors in v2_binary.ts. GET /v2 lists the extension `binary_tensor_data`.
 */
import type { Encoders } from '../data/index.js';
import { VERSION } from '../version.js';

/** The output a slimctr model file answers with. */
export const V2_OUTPUT = 'probability';

export function serverMetadata(): Record<string, unknown> {
  return { name: 'slimctr', version: VERSION, extensions: ['binary_tensor_data'] };
}

export function modelMetadata(name: string, encoders: Encoders): Record<string, unknown> {
  const categorical = new Set(encoders.categorical.map((f) => f.name));
  return {
    name,
    versions: ['1'],
    platform: 'slimctr',
    inputs: encoders.inputColumns.map((c) => ({
      name: c,
      datatype: categorical.has(c) ? 'BYTES' : 'FP32',
      shape: [-1, 1],
    })),
    outputs: [{ name: V2_OUTPUT, datatype: 'FP32', shape: [-1, 1] }],
  };
}

/**
 * The infer response; `output` names the tensor and its shape (default: 'probability', [rows, 1]).
 * With `binary` the output carries `parameters.binary_data_size` instead of `data`: its float32
 * values follow the JSON (binary tensor data extension, v2_binary.ts).
 */
export function inferResponse(
  name: string,
  id: string | null,
  probs: ArrayLike<number>,
  output = { name: V2_OUTPUT, shape: [probs.length, 1] },
  binary = false,
): Record<string, unknown> {
  const values = binary ? { parameters: { binary_data_size: probs.length * 4 } } : { data: Array.from(probs) };
  return {
    model_name: name,
    model_version: '1',
    ...(id === null ? {} : { id }),
    outputs: [{ name: output.name, datatype: 'FP32', shape: output.shape, ...values }],
  };
}
