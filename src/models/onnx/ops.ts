/** Every ONNX op slimctr's import runs, by op type. An op not listed is refused when the model is built. */
import { MATH_OPS } from './ops_math.js';
import { SHAPE_OPS } from './ops_shape.js';
import type { OpFn } from './op_call.js';

export const OPS: Readonly<Record<string, OpFn>> = { ...SHAPE_OPS, ...MATH_OPS };

/** Ops that may be evaluated once at import when all their inputs are constants (they never make tensors then). */
export const FOLDABLE = new Set([
  'Reshape',
  'Flatten',
  'Unsqueeze',
  'Squeeze',
  'Concat',
  'Slice',
  'Split',
  'Expand',
  'Shape',
  'Gather',
  'Cast',
  'Constant',
  'ConstantOfShape',
  'Identity',
  'Add',
  'Sub',
  'Mul',
  'Div',
  'Pow',
]);
