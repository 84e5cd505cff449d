/** What both forms of `slimctr predict` share: how a probability is written, and which output paths are refused. */
import { existsSync, realpathSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UsageError } from '../../util/errors.js';

/** A probability as CSV text: 8 significant digits (float32 logits carry about 7). */
export const formatProbability = (p: number): string => String(Number(p.toPrecision(8)));

/** Refuses to write over the input, a folder, or (without --force) an existing file. */
export function checkOutput(output: string, input: string, force: boolean): void {
  if (existsSync(output)) {
    if (statSync(output).isDirectory()) throw new UsageError(`--output ${output} is a folder; give a file path`);
    if (realpathSync(output) === realpathSync(input)) throw new UsageError(`--output ${output} is the --input file; predictions would replace the data`);
    if (!force) throw new UsageError(`--output ${output} already exists; pass --force to replace it`);
  }
  const dir = dirname(resolve(output));
  if (!existsSync(dir)) throw new UsageError(`--output ${output}: folder ${dir} does not exist`);
}
