import { parseArgs } from 'node:util';
import type { Command } from '../command.js';
import { withInterrupts } from '../interrupt.js';
import { UsageError } from '../../util/errors.js';
import { writeSynth } from '../../data/synth.js';

export const synth: Command = {
  name: 'synth',
  summary: 'write synthetic Criteo-shaped TSV or CSV (deterministic by seed)',
  usage: `Usage: slimctr synth --rows N --out FILE [--seed S] [--csv] [--gzip]

Writes N rows of Criteo-shaped TSV (label, I1..I13, C1..C26): Zipf-like vocabularies (some
fields with 1M+ values), missing cells, heavy-tailed integers, and labels from a planted model
with pairwise field interactions. The same seed always gives the same file. --csv writes the
same rows as CSV with a header line (label,I1,..,C26) instead.`,
  async run(argv) {
    let values;
    try {
      ({ values } = parseArgs({
        args: argv,
        options: {
          rows: { type: 'string' },
          out: { type: 'string' },
          seed: { type: 'string', default: '1' },
          gzip: { type: 'boolean' },
          csv: { type: 'boolean' },
        },
      }));
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const rows = Number(values.rows);
    const seed = Number(values.seed);
    if (!values.rows || !Number.isInteger(rows) || rows < 1)
      throw new UsageError(`--rows must be a positive integer, got '${values.rows ?? ''}'`);
    if (!Number.isInteger(seed)) throw new UsageError(`--seed must be an integer, got '${values.seed}'`);
    if (!values.out) throw new UsageError('--out FILE is required');
    const r = await withInterrupts('synth', `stopping; ${values.out} is not written`, async (i) => {
      try {
        return await writeSynth(values.out!, { rows, seed, gzip: values.gzip, csv: values.csv, signal: i.signal });
      } catch (err) {
        if (i.signal.aborted) throw i.error(`interrupted: ${values.out} was not written`);
        throw err;
      }
    });
    process.stdout.write(
      `wrote ${rows} rows to ${values.out} (${r.positives} positives, ${((100 * r.positives) / rows).toFixed(2)} %)\n`,
    );
    return 0;
  },
};
