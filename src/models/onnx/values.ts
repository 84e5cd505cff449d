/**
 * What flows along an imported graph's edges: a float Tensor in the engine (differentiable), or a
 * HostArray in plain memory (integer ids, shapes, and constants not yet needed as tensors). A node
 * whose inputs are all host values runs on the host (shape arithmetic); one with a tensor input
 * runs on autograd ops.
 */
import { describeHost, type HostArray } from '../../io/onnx/host_array.js';
import type { OnnxNode } from '../../io/onnx/read.js';
import { Tensor } from '../../tensor/tensor.js';
import { ModelFileError } from '../../util/errors.js';

export type Value = Tensor | HostArray;

export const isTensor = (v: Value): v is Tensor => v instanceof Tensor;

/** The node and model a failure happened in: errors name the file, node, op type and opset. */
export interface NodeContext {
  file: string;
  opset: number;
  node: OnnxNode;
}

export function nodeError(c: NodeContext, detail: string): ModelFileError {
  return new ModelFileError(c.file, `node '${c.node.name}' (${c.node.opType}, opset ${c.opset}): ${detail}`);
}

export function describe(v: Value): string {
  return isTensor(v) ? `float [${v.shape.join(', ')}]` : describeHost(v);
}

/** The value as a host array (a tensor's values are copied out as floats). */
export function asHost(v: Value): HostArray {
  return isTensor(v) ? { kind: 'float', shape: [...v.shape], data: v.toArray() } : v;
}

/** The value as a float tensor; integer and boolean host values are refused (they would lose ids silently). */
export function asTensor(c: NodeContext, v: Value, what: string): Tensor {
  if (isTensor(v)) return v;
  if (v.kind !== 'float') throw nodeError(c, `${what} is ${describeHost(v)}; this op runs on float tensors only`);
  return Tensor.from(v.data, v.shape);
}

/** The values of a host value as plain numbers (shapes, axes, indices). */
export function numbers(v: Value): number[] {
  return Array.from(isTensor(v) ? v.data : v.data);
}
