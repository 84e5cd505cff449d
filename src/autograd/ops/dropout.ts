/** Inverted dropout with a seeded generator: identity at eval time. */
import type { Rng } from '../../tensor/rng.js';
import { Tensor } from '../../tensor/tensor.js';
import { gradOf, record } from '../graph.js';

export function dropout(x: Tensor, p: number, rng: Rng, training: boolean): Tensor {
  if (!training || p <= 0) return x;
  if (p >= 1) throw new Error(`internal: dropout: rate must be below 1, got ${p} (model options cap it at 0.95)`);
  const keepScale = 1 / (1 - p);
  const mask = new Float32Array(x.size);
  for (let i = 0; i < mask.length; i++) mask[i] = rng.next() >= p ? keepScale : 0;
  const out = new Tensor(x.shape);
  const a = x.data,
    y = out.data;
  for (let i = 0; i < a.length; i++) y[i] = a[i] * mask[i];
  return record(
    out,
    'dropout',
    [x],
    (g) => {
      const gx = gradOf(x).data,
        gd = g.data;
      for (let i = 0; i < gd.length; i++) gx[i] += gd[i] * mask[i];
    },
    { p, training },
  );
}
