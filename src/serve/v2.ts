/**
 * The Open Inference Protocol (KServe v2, Triton) shapes the server answers with: server and model
 * metadata, and the inference response. Each raw input column is a [rows, 1] tensor (BYTES for
 * categorical columns, which take any string; FP32 for numeric ones); the output `probability` is
 * FP32 [rows, 1]. Requests are parsed in request.ts (encodeV2Body).
 */
import type { Encoders } from '../data/index.js';
import { VERSION } from '../version.js';

const V2_OUTPUT = 'probability';

export function serverMetadata(): Record<string, unknown> {
  return { name: 'slimctr', version: VERSION, extensions: [] };
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

/** The infer response; `output` names the tensor and its shape (default: 'probability', [rows, 1]). */
export function inferResponse(
  name: string,
  id: string | null,
  probs: ArrayLike<number>,
  output = { name: V2_OUTPUT, shape: [probs.length, 1] },
): Record<string, unknown> {
  return {
    model_name: name,
    model_version: '1',
    ...(id === null ? {} : { id }),
    outputs: [{ name: output.name, datatype: 'FP32', shape: output.shape, data: Array.from(probs) }],
  };
}
