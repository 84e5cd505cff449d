import { existsSync } from 'node:fs';
import type { Command } from '../command.js';
import { type Flag, parseFlags, usageOf } from '../flags.js';
import { UsageError } from '../../util/errors.js';
import { FORMATS } from '../../data/formats/table.js';
import { formatReport, inspectFile, proposedTrainingConfig } from '../../data/inspect.js';
import { writeFileAtomic } from '../../io/atomic.js';
import { describeModelFile, formatModelFileInfo } from '../../jobs/model_file_info.js';

const FLAGS = [
  { name: 'format', kind: 'string', arg: 'F', choices: FORMATS, help: `${FORMATS.join(' | ')} (default: detected)` },
  { name: 'header', kind: 'boolean', help: 'the first line names the columns (csv/tsv)' },
  { name: 'no-header', kind: 'boolean', help: 'there is no header line' },
  { name: 'label', kind: 'string', arg: 'NAME', help: 'label column (default: label/Label/click/target if present)' },
  { name: 'strict', kind: 'boolean', help: 'exit 1 when any row is malformed' },
  {
    name: 'config-out',
    kind: 'string',
    arg: 'F',
    help: 'also write a complete training config to F (the proposal, an 80/10/10 split\nin file order, DeepFM); an existing F is not overwritten',
  },
] as const satisfies readonly Flag[];

export const inspect: Command = {
  name: 'inspect',
  summary: 'read a data file and propose a dataset/features config, or describe a model file',
  usage: usageOf(
    `Usage: slimctr inspect FILE [options]
       slimctr inspect MODEL.safetensors

Reads the whole file (plain or gzip) and prints column types, cardinalities, missing rates,
label balance, constant columns, malformed rows (file:line:column) and a ready-to-edit YAML
config block. A one-hot libsvm file (every value 1, the same number of features per row, as
libFM / FNN releases ship) gets a field map (dataset.field_map) instead of a column per index.
Exits 1 when no row could be read.

Given a model file (a name ending in .safetensors, no options), checks its checksums and prints
the format and slimctr version that wrote it, the model kind and parameter count, and its bytes
told apart: weights, encoders (the vocabularies) and metadata (the JSON header and framing),
with the file's size gzipped at level 9 (what a static host serving it compressed sends).`,
    FLAGS,
  ),
  flags: FLAGS,
  async run(argv) {
    const { values, positionals } = parseFlags('inspect', FLAGS, argv, { positionals: true });
    if (positionals.length !== 1) throw new UsageError('expected one FILE (see slimctr inspect --help)');
    if (positionals[0].endsWith('.safetensors')) {
      const given = Object.entries(values).filter(([, v]) => v !== undefined && v !== false);
      if (given.length) throw new UsageError(`--${given[0][0]} applies to data files, not to a model file`);
      process.stdout.write(formatModelFileInfo(describeModelFile(positionals[0])));
      return 0;
    }
    const header = values['no-header'] ? false : values.header ? true : undefined;
    const out = values['config-out'];
    if (out !== undefined && existsSync(out))
      throw new UsageError(`--config-out ${out}: the file exists; remove it or pick another name`);
    const report = await inspectFile(positionals[0], {
      format: values.format,
      header,
      label: values.label,
    });
    process.stdout.write(formatReport(report));
    if (out !== undefined) {
      writeFileAtomic(out, proposedTrainingConfig(report));
      process.stdout.write(`wrote ${out}\n`);
    }
    if (report.rows === 0) {
      // Nothing could be read: a wrong --format (e.g. libffm for a libsvm file) must not look like success.
      process.stderr.write(
        `slimctr inspect: no row of ${positionals[0]} could be read as ${report.spec.format}${report.badRows.count ? ` (${report.badRows.count} malformed)` : ''}; check --format\n`,
      );
      return 1;
    }
    if (values.strict && report.badRows.count > 0) {
      process.stderr.write(`slimctr inspect: ${report.badRows.count} malformed row(s) (--strict)\n`);
      return 1;
    }
    return 0;
  },
};
