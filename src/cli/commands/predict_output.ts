/** What both forms of `slimctr predict` share: how a probability is written, where, and which output paths are refused. */
import { existsSync, realpathSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { STDIN } from '../../data/formats/stdin.js';
import { AtomicFileWriter } from '../../io/atomic_stream.js';
import { UsageError } from '../../util/errors.js';
import { type Flag, POSITIVE_INT } from '../flags.js';

/** The flags both forms share (a form may reword a help line). */
export const OUTPUT_FLAG = {
  name: 'output',
  kind: 'string',
  arg: 'FILE',
  required: true,
  help: 'CSV of probabilities to write (refused when it exists, unless --force; - for standard output)',
} as const satisfies Flag;
export const FORCE_FLAG = {
  name: 'force',
  kind: 'boolean',
  help: 'replace an existing --output file',
} as const satisfies Flag;
export const BATCH_FLAG = {
  name: 'batch',
  kind: 'number',
  arg: 'N',
  rule: POSITIVE_INT,
  default: 4096,
  help: 'rows per forward pass',
} as const satisfies Flag;
export const QUIET_FLAG = { name: 'quiet', kind: 'boolean', help: 'no progress lines' } as const satisfies Flag;

/** Where predictions go: a file that appears whole at commit, or standard output as rows are scored. */
export interface PredictionSink {
  write(text: string): Promise<void>;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

/** `-` is standard output (written as it goes, with backpressure); any other path an atomic file. */
export async function openOutput(output: string): Promise<PredictionSink> {
  if (output !== STDIN) return AtomicFileWriter.open(output);
  const out = process.stdout;
  return {
    write: (text) => new Promise<void>((resolve) => (out.write(text) ? resolve() : out.once('drain', () => resolve()))),
    commit: async () => {},
    abort: async () => {},
  };
}

/** A probability as CSV text: 8 significant digits (float32 logits carry about 7). */
export const formatProbability = (p: number): string => String(Number(p.toPrecision(8)));

/** Refuses to write over the input, a folder, or (without --force) an existing file. */
export function checkOutput(output: string, input: string, force: boolean): void {
  if (output === STDIN) return;
  if (existsSync(output)) {
    if (statSync(output).isDirectory()) throw new UsageError(`--output ${output} is a folder; give a file path`);
    if (input !== STDIN && realpathSync(output) === realpathSync(input))
      throw new UsageError(`--output ${output} is the --input file; predictions would replace the data`);
    if (!force) throw new UsageError(`--output ${output} already exists; pass --force to replace it`);
  }
  const dir = dirname(resolve(output));
  if (!existsSync(dir)) throw new UsageError(`--output ${output}: folder ${dir} does not exist`);
}
