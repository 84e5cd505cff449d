/**
 * Multi-head self-attention over fields from one projected tensor (AutoInt): qkv [B, F, n*H*dh]
 * holds [Q | K | V] (n = 3) or [Q | K | V | R] (n = 4, R the residual x W_res) per field; head h
 * is columns h*dh..(h+1)*dh of each block. Output [B, F, H*dh]:
 *   out[b, :, head h] = softmax(scale * Q_h K_h^T) V_h  (+ R).
 * One WASM kernel each way, spread over the worker pool by examples; no per-head copies.
 */
import { engine } from '../../kernels/engine.js';
import { runByExamples } from '../../kernels/by_examples.js';
import { CALL_ATTENTION_BACKWARD, CALL_ATTENTION_FORWARD } from '../../kernels/protocol.js';
import { Tensor } from '../../tensor/tensor.js';
import { ShapeError } from '../../util/errors.js';
import { gradSlot, needsGrad, record } from '../graph.js';

export function fieldAttention(qkv: Tensor, heads: number, headDim: number, scale: number, residual: boolean): Tensor {
  const [B, F, W] = qkv.shape;
  const HD = heads * headDim,
    res = residual ? 1 : 0;
  if (qkv.rank !== 3 || W !== (3 + res) * HD) {
    throw new ShapeError(
      `fieldAttention: expected [B, F, ${(3 + res) * HD}] for ${heads} heads of ${headDim}, got [${qkv.shape}]`,
    );
  }
  const e = engine();
  const out = new Tensor([B, F, HD]);
  const shape = [qkv.ptr, heads, headDim, F, scale, res];
  const attrs = { heads, headDim, scale, residual };
  if (!needsGrad(qkv)) {
    // Inference: the probabilities are not kept; each thread reuses one F x F scratch.
    withScratch(B, F, (scratch) =>
      runByExamples(e, B, (b0, b1, part) => [CALL_ATTENTION_FORWARD, ...shape, out.ptr, scratch(part), 0, b0, b1]),
    );
    return record(out, 'fieldAttention', [qkv], () => {}, attrs);
  }
  const probs = new Tensor([B, heads, F, F]);
  runByExamples(e, B, (b0, b1) => [CALL_ATTENTION_FORWARD, ...shape, out.ptr, probs.ptr, 1, b0, b1]);
  const backward = (g: Tensor): void => {
    const gq = gradSlot(qkv);
    const into = [g.ptr, probs.ptr, gq.grad.ptr, gq.fresh ? 1 : 0];
    withScratch(B, F, (scratch) =>
      runByExamples(e, B, (b0, b1, part) => [CALL_ATTENTION_BACKWARD, ...shape, ...into, scratch(part), b0, b1]),
    );
  };
  return record(out, 'fieldAttention', [qkv], backward, attrs);
}

/** Runs `fn` with an F x F float scratch per pool part (`scratch(part)` is its address), released after. */
function withScratch(B: number, F: number, fn: (scratch: (part: number) => number) => void): void {
  const e = engine();
  const parts = Math.max(1, Math.min(e.threads, B));
  const base = e.heap.alloc(parts * F * F * 4);
  try {
    fn((part) => base + part * F * F * 4);
  } finally {
    e.heap.release(base);
  }
}
