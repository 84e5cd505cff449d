import { parseArgs } from 'node:util';
import type { Command } from '../command.js';
import { UsageError } from '../../util/errors.js';
import { FORMATS, type FormatName } from '../../data/formats/table.js';
import { formatReport, inspectFile } from '../../data/inspect.js';

export const inspect: Command = {
  name: 'inspect',
  summary: 'read a data file and propose a dataset/features config',
  usage: `Usage: slimctr inspect FILE [options]

Reads the whole file (plain or gzip) and prints column types, cardinalities, missing rates,
label balance, malformed rows (file:line:column) and a ready-to-edit YAML config block.

Options:
  --format F       ${FORMATS.join(' | ')} (default: detected)
  --header         the first line names the columns (csv/tsv)
  --no-header      there is no header line
  --label NAME     label column (default: label/Label/click/target if present)
  --strict         exit 1 when any row is malformed`,
  async run(argv) {
    let parsed;
    try {
      parsed = parseArgs({
        args: argv,
        allowPositionals: true,
        options: { format: { type: 'string' }, header: { type: 'boolean' }, 'no-header': { type: 'boolean' }, label: { type: 'string' }, strict: { type: 'boolean' } },
      });
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const { values, positionals } = parsed;
    if (positionals.length !== 1) throw new UsageError('expected one FILE (see slimctr inspect --help)');
    if (values.format !== undefined && !FORMATS.includes(values.format as FormatName))
      throw new UsageError(`--format must be one of ${FORMATS.join(', ')}, got '${values.format}'`);
    const header = values['no-header'] ? false : values.header ? true : undefined;
    const report = await inspectFile(positionals[0], { format: values.format as FormatName | undefined, header, label: values.label });
    process.stdout.write(formatReport(report));
    if (values.strict && report.badRows.count > 0) {
      process.stderr.write(`slimctr inspect: ${report.badRows.count} malformed row(s) (--strict)\n`);
      return 1;
    }
    return 0;
  },
};
