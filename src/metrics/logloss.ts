/** Binary log loss (cross-entropy), float64, with probabilities clipped to [eps, 1 - eps]. */
import { checkInputs, type Labels, type Scores } from './auc.js';
import { MetricError } from '../util/errors.js';

/** Default clip: float32 predictions can round to exactly 0 or 1; 1e-7 caps one term at ~16.1. */
export const LOGLOSS_EPS = 1e-7;

/** Mean of -[y log p + (1 - y) log(1 - p)] with p clipped to [eps, 1 - eps]. */
export function logloss(labels: Labels, probs: Scores, eps = LOGLOSS_EPS): number {
  checkInputs(labels, probs, 'probabilities');
  const n = labels.length;
  if (n === 0) throw new MetricError('logloss of an empty set is undefined');
  if (!(eps > 0 && eps < 0.5)) throw new MetricError(`logloss eps must be in (0, 0.5), got ${eps}`);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    let p = probs[i];
    if (p < 0 || p > 1) throw new MetricError(`probability ${i} is ${p}; must be in [0, 1]`);
    p = p < eps ? eps : Math.min(p, 1 - eps);
    sum -= labels[i] === 1 ? Math.log(p) : Math.log1p(-p);
  }
  return sum / n;
}
