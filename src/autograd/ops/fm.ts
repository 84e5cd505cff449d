/**
 * The factorization machine's pairwise term as one op: emb [B, F, D] -> [B], out[b] =
 * sum_{i<j} <e_i, e_j> = 0.5 * sum_d ((sum_f e_fd)^2 - sum_f e_fd^2), one kernel pass per example
 * each way. While observed (tracing, export) it runs as those plain sums, products and
 * differences instead, so each is heard.
 */
import { runByExamples } from '../../kernels/by_examples.js';
import { engine } from '../../kernels/engine.js';
import { CALL_FM_BACKWARD, CALL_FM_FORWARD } from '../../kernels/protocol.js';
import { Tensor } from '../../tensor/tensor.js';
import { ShapeError } from '../../util/errors.js';
import { gradOf, record } from '../graph.js';
import { observed } from '../observe.js';
import { mul, scale, sub } from './elementwise.js';
import { sum } from './reduce.js';

export function fmPairs(emb: Tensor): Tensor {
  if (emb.rank !== 3) throw new ShapeError(`fmPairs: expected [B, F, D], got [${emb.shape}]`);
  if (observed()) {
    const s = sum(emb, 1); // [B, D]
    return scale(sum(sub(mul(s, s), sum(mul(emb, emb), 1)), 1), 0.5);
  }
  const [B, F, D] = emb.shape;
  const e = engine();
  const out = new Tensor([B]);
  runByExamples(e, B, (b0, b1) => [CALL_FM_FORWARD, emb.ptr, F, D, out.ptr, b0, b1]);
  return record(out, 'fmPairs', [emb], (g) => {
    const gEmb = gradOf(emb).ptr;
    runByExamples(e, B, (b0, b1) => [CALL_FM_BACKWARD, emb.ptr, g.ptr, F, D, gEmb, b0, b1]);
  });
}
