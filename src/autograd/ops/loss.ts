/** Binary cross-entropy on logits, fused with the sigmoid (numerically stable). */
import { Tensor } from '../../tensor/tensor.js';
import { ShapeError } from '../../util/errors.js';
import { gradOf, record } from '../graph.js';

/**
 * Mean over the batch of  max(x, 0) - x y + log(1 + exp(-|x|)),  the stable form of
 * -[y log s(x) + (1 - y) log(1 - s(x))]. Gradient: (s(x) - y) / n. `weights` (optional) weigh rows.
 */
export function bceWithLogits(logits: Tensor, labels: ArrayLike<number>, weights?: ArrayLike<number>): Tensor {
  const n = logits.size;
  if (labels.length !== n) throw new ShapeError(`bceWithLogits: ${n} logits but ${labels.length} labels`);
  const x = logits.data;
  let total = 0,
    wsum = 0;
  for (let i = 0; i < n; i++) {
    const v = x[i],
      y = labels[i],
      w = weights ? weights[i] : 1;
    total += w * (Math.max(v, 0) - v * y + Math.log1p(Math.exp(-Math.abs(v))));
    wsum += w;
  }
  const out = Tensor.from([total / wsum], [1]);
  return record(out, 'bceWithLogits', [logits], (g) => {
    const gx = gradOf(logits).data;
    const k = g.data[0] / wsum;
    for (let i = 0; i < n; i++) {
      const v = x[i];
      const s = v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v));
      gx[i] += k * (weights ? weights[i] : 1) * (s - labels[i]);
    }
  });
}
