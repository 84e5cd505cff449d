import type { Command } from '../command.js';
import { withInterrupts } from '../interrupt.js';
import { type Flag, POSITIVE_INT, parseFlags, usageOf } from '../flags.js';
import { writeSynth } from '../../data/synth.js';

const FLAGS = [
  { name: 'rows', kind: 'number', arg: 'N', rule: POSITIVE_INT, required: true, help: 'how many rows' },
  { name: 'out', kind: 'string', arg: 'FILE', required: true, help: 'the file to write' },
  {
    name: 'seed',
    kind: 'number',
    arg: 'S',
    rule: { ok: Number.isInteger, what: 'an integer' },
    default: 1,
    help: 'the random seed',
  },
  { name: 'csv', kind: 'boolean', help: 'CSV with a header line instead of TSV' },
  { name: 'gzip', kind: 'boolean', help: 'gzip the file' },
] as const satisfies readonly Flag[];

export const synth: Command = {
  name: 'synth',
  summary: 'write synthetic Criteo-shaped TSV or CSV (deterministic by seed)',
  usage: usageOf(
    `Usage: slimctr synth --rows N --out FILE [--seed S] [--csv] [--gzip]

Writes N rows of Criteo-shaped TSV (label, I1..I13, C1..C26): Zipf-like vocabularies (some
fields with 1M+ values), missing cells, heavy-tailed integers, and labels from a planted model
with pairwise field interactions. The same seed always gives the same file. --csv writes the
same rows as CSV with a header line (label,I1,..,C26) instead.`,
    FLAGS,
  ),
  flags: FLAGS,
  async run(argv) {
    const { values } = parseFlags('synth', FLAGS, argv);
    const { rows, seed, out } = values;
    const r = await withInterrupts('synth', `stopping; ${out} is not written`, async (i) => {
      try {
        return await writeSynth(out, { rows, seed, gzip: values.gzip, csv: values.csv, signal: i.signal });
      } catch (err) {
        if (i.signal.aborted) throw i.error(`interrupted: ${out} was not written`);
        throw err;
      }
    });
    process.stdout.write(
      `wrote ${rows} rows to ${out} (${r.positives} positives, ${((100 * r.positives) / rows).toFixed(2)} %)\n`,
    );
    return 0;
  },
};
