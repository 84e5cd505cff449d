/**
 * Group AUC (GAUC): the AUC within each group (e.g. each user), averaged with each group weighted
 * by its number of impressions. Groups with only one class have no AUC and are left out.
 */
import { aucFromSorted, checkInputs, type Labels, type Scores } from './auc.js';
import { MetricError } from '../util/errors.js';

export interface GroupAucResult {
  /** Impression-weighted mean of the per-group AUCs. */
  gauc: number;
  /** Number of distinct groups. */
  groups: number;
  /** Groups that had both classes and so entered the mean. */
  groupsUsed: number;
  /** Impressions in the groups used (the weights' sum). */
  impressionsUsed: number;
}

/** Group AUC; `groups[i]` is item i's group id. Throws MetricError when no group has both classes. */
export function groupAuc(labels: Labels, scores: Scores, groups: ArrayLike<number>): GroupAucResult {
  checkInputs(labels, scores);
  const n = labels.length;
  if (groups.length !== n) throw new MetricError(`${n} labels but ${groups.length} group ids`);
  // dense group ids, then a counting sort of the items by group
  const dense = new Map<number, number>();
  const gid = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    let g = dense.get(groups[i]);
    if (g === undefined) {
      g = dense.size;
      dense.set(groups[i], g);
    }
    gid[i] = g;
  }
  const count = new Uint32Array(dense.size + 1);
  const posCount = new Uint32Array(dense.size);
  for (let i = 0; i < n; i++) {
    count[gid[i] + 1]++;
    if (labels[i] === 1) posCount[gid[i]]++;
  }
  for (let g = 0; g < dense.size; g++) count[g + 1] += count[g]; // now start offsets
  const fill = count.slice(0, dense.size);
  const sorted = new Float64Array(n);
  const isPos = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const at = fill[gid[i]]++;
    sorted[at] = scores[i];
    isPos[at] = labels[i];
  }
  let weighted = 0;
  let used = 0;
  let impressions = 0;
  for (let g = 0; g < dense.size; g++) {
    const start = count[g];
    const end = count[g + 1];
    const size = end - start;
    const nPos = posCount[g];
    if (nPos === 0 || nPos === size) continue;
    const positives = new Float64Array(nPos);
    for (let i = start, k = 0; i < end; i++) if (isPos[i]) positives[k++] = sorted[i];
    const all = sorted.subarray(start, end);
    all.sort();
    positives.sort();
    weighted += size * aucFromSorted(all, positives);
    used++;
    impressions += size;
  }
  if (used === 0) {
    throw new MetricError(
      `group AUC is undefined: none of the ${dense.size} groups has both positive and negative labels`,
    );
  }
  return { gauc: weighted / impressions, groups: dense.size, groupsUsed: used, impressionsUsed: impressions };
}
