/**
 * `npm run bench -- compress [--models ...] [--ratio 3] [--reuse]`: the compression acceptance of
 * the tracker's compression issue, on Criteo 80k with one seed: DeepFM, DCN, AutoInt, FiBiNET and
 * NFM, each original, AFM, AFM-act and SVD (fine-tuned), the control, TT-Rec and a small model
 * from scratch. It is the paper bench (bench/paper.ts) on fewer cells, sharing its run folders
 * (so `--reuse` picks up the paper bench's first seed), written to the `compress` section of
 * docs/results.md and to bench/results/compress.json.
 */
import { run as paper } from './paper.js';

export async function run(args: string[]): Promise<void> {
  await paper([
    '--datasets',
    'criteo',
    '--models',
    'deepfm,dcn,autoint,fibinet,nfm',
    '--seeds',
    '2024',
    '--section',
    'compress',
    ...args,
  ]);
}
