/** Autograd: graph bookkeeping plus every differentiable op. */
export { backward, isGradEnabled, noGrad } from './graph.js';
export {
  observe,
  outputsObserved,
  reportOutput,
  traceInput,
  traced,
  type Observer,
  type TraceEvent,
} from './observe.js';
export { relu, sigmoid, softmax, tanh } from './ops/activation.js';
export { fieldAttention } from './ops/attention.js';
export { bilinearPairs, bilinearPairsJoined } from './ops/bilinear.js';
export { crossLayer } from './ops/cross.js';
export { dropout } from './ops/dropout.js';
export { expand } from './ops/expand.js';
export { fieldProject } from './ops/field_project.js';
export { fmPairs } from './ops/fm.js';
export { add, addN, mul, scale, sub } from './ops/elementwise.js';
export { lookup, lookupFields } from './ops/embedding.js';
export { gatherRows, indexSelect } from './ops/gather.js';
export { bceWithLogits } from './ops/loss.js';
export { bmm, linear, matmul } from './ops/matmul.js';
export { batchMatmul } from './ops/matmul_nd.js';
export { abs, div, exp, leakyRelu, log, pow, sqrt } from './ops/pointwise.js';
export { batchNorm, layerNorm, type BatchNormState } from './ops/norm.js';
export { mean, sum } from './ops/reduce.js';
export { scaleVectors } from './ops/scale_vectors.js';
export { concat, permute, reshape, slice, split, transpose } from './ops/shape.js';
