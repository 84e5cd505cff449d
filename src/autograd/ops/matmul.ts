/** Matrix products: matmul (all transpose combinations), linear (x W + b), batched matmul. */
import { engine } from '../../kernels/engine.js';
import { Tensor } from '../../tensor/tensor.js';
import { ShapeError } from '../../util/errors.js';
import { gradOf, gradSlot, record } from '../graph.js';
import { observed } from '../observe.js';
import { relu } from './activation.js';

function dims2(t: Tensor, trans: boolean, what: string): [number, number] {
  if (t.rank !== 2) throw new ShapeError(`${what}: expected a matrix, got shape [${t.shape}]`);
  return trans ? [t.shape[1], t.shape[0]] : [t.shape[0], t.shape[1]];
}

/** op(a) @ op(b), where op transposes when the flag is set. */
export function matmul(a: Tensor, b: Tensor, transA = false, transB = false): Tensor {
  const [M, K] = dims2(a, transA, 'matmul a');
  const [K2, N] = dims2(b, transB, 'matmul b');
  if (K !== K2) throw new ShapeError(`matmul: inner sizes differ (${K} vs ${K2}) for [${a.shape}] and [${b.shape}]`);
  const out = new Tensor([M, N]);
  const e = engine();
  const lda = a.shape[1],
    ldb = b.shape[1];
  e.sgemm(transA, transB, M, N, K, 1, a.ptr, lda, b.ptr, ldb, 0, out.ptr, N);
  return record(
    out,
    'matmul',
    [a, b],
    (g) => {
      if (a.requiresGrad) {
        const ga = gradOf(a);
        if (!transA) e.sgemm(false, !transB, M, K, N, 1, g.ptr, N, b.ptr, ldb, 1, ga.ptr, K);
        else e.sgemm(transB, true, K, M, N, 1, b.ptr, ldb, g.ptr, N, 1, ga.ptr, M);
      }
      if (b.requiresGrad) {
        const gb = gradOf(b);
        if (!transB) e.sgemm(!transA, false, K, N, M, 1, a.ptr, lda, g.ptr, N, 1, gb.ptr, N);
        else e.sgemm(true, transA, N, K, M, 1, g.ptr, N, a.ptr, lda, 1, gb.ptr, K);
      }
    },
    { transA, transB },
  );
}

/**
 * Fully connected layer y = x W + b with W stored [in, out], then ReLU when `act` says so (fused
 * into the product's pass over y; an observer hears a linear op then a relu op instead, with the
 * same values). `x` may have any leading axes ([B, in] or [B, F, in]); they are flattened for the
 * product and restored after.
 */
export function linear(
  x: Tensor,
  W: Tensor,
  b: Tensor | null,
  act: 'relu' | null = null,
  /** W packed by Engine.packB (0: none): the product reads it instead of packing W. */
  packedW = 0,
): Tensor {
  if (act && observed()) return relu(linear(x, W, b, null, packedW));
  const din = W.shape[0],
    dout = W.shape[1];
  if (x.shape[x.rank - 1] !== din) throw new ShapeError(`linear: input [${x.shape}] does not end in ${din}`);
  const rows = x.size / din;
  const out = new Tensor([...x.shape.slice(0, -1), dout]);
  const e = engine();
  e.sgemm(
    false,
    false,
    rows,
    dout,
    din,
    1,
    x.ptr,
    din,
    W.ptr,
    dout,
    0,
    out.ptr,
    dout,
    { bias: b ? b.ptr : 0, relu: act === 'relu' },
    packedW,
  );
  return record(out, 'linear', b ? [x, W, b] : [x, W], (gOut) => {
    // Through the ReLU first: the gradient where the output is positive.
    const masked = act ? Tensor.zeros(out.shape) : null;
    if (masked) e.k.relu_backward(out.ptr, gOut.ptr, masked.ptr, out.size);
    const g = masked ?? gOut;
    if (x.requiresGrad) {
      // A new input gradient is written outright (beta 0): no zero fill first.
      const gx = gradSlot(x);
      e.sgemm(false, true, rows, din, dout, 1, g.ptr, dout, W.ptr, dout, gx.fresh ? 0 : 1, gx.grad.ptr, din);
    }
    if (W.requiresGrad) e.sgemm(true, false, din, dout, rows, 1, x.ptr, din, g.ptr, dout, 1, gradOf(W).ptr, dout);
    if (b?.requiresGrad) e.k.sum_rows(g.ptr, rows, dout, gradOf(b).ptr);
    masked?.dispose();
  });
}

/** Batched op(a[i]) @ op(b[i]) for a: [n, ., .], b: [n, ., .]. */
export function bmm(a: Tensor, b: Tensor, transA = false, transB = false): Tensor {
  if (a.rank !== 3 || b.rank !== 3 || a.shape[0] !== b.shape[0]) {
    throw new ShapeError(`bmm: expected [n, ., .] operands with equal n, got [${a.shape}] and [${b.shape}]`);
  }
  const n = a.shape[0];
  const [M, K] = transA ? [a.shape[2], a.shape[1]] : [a.shape[1], a.shape[2]];
  const [K2, N] = transB ? [b.shape[2], b.shape[1]] : [b.shape[1], b.shape[2]];
  if (K !== K2) throw new ShapeError(`bmm: inner sizes differ (${K} vs ${K2}) for [${a.shape}] and [${b.shape}]`);
  const out = new Tensor([n, M, N]);
  const e = engine();
  const lda = a.shape[2],
    ldb = b.shape[2];
  const sA = a.shape[1] * lda * 4,
    sB = b.shape[1] * ldb * 4,
    sC = M * N * 4;
  e.sgemmBatched(n, transA, transB, M, N, K, 1, a.ptr, lda, sA, b.ptr, ldb, sB, 0, out.ptr, N, sC);
  return record(
    out,
    'bmm',
    [a, b],
    (g) => {
      if (a.requiresGrad) {
        const ga = gradOf(a);
        if (!transA) e.sgemmBatched(n, false, !transB, M, K, N, 1, g.ptr, N, sC, b.ptr, ldb, sB, 1, ga.ptr, K, sA);
        else e.sgemmBatched(n, transB, true, K, M, N, 1, b.ptr, ldb, sB, g.ptr, N, sC, 1, ga.ptr, M, sA);
      }
      if (b.requiresGrad) {
        const gb = gradOf(b);
        if (!transB) e.sgemmBatched(n, !transA, false, K, N, M, 1, a.ptr, lda, sA, g.ptr, N, sC, 1, gb.ptr, N, sB);
        else e.sgemmBatched(n, true, transA, N, K, M, 1, g.ptr, N, sC, a.ptr, lda, sA, 1, gb.ptr, K, sB);
      }
    },
    { transA, transB },
  );
}
