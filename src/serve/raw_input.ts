/**
 * How `eval`, `predict` (and the server's column order) read a raw data file for a saved model:
 * the model's reader settings, the format detected when training did not record one, and for a
 * headerless delimited file the training file's column names, or one column short of the training layout, the same layout without the
 * label (an unlabeled test file such as Criteo's).
 */
import { CRITEO_COLUMNS, detectFormat, type TableSpec } from '../data/index.js';
import { readLineChunks } from '../data/formats/chunks.js';
import { splitLine } from '../data/formats/delimited.js';
import type { ReaderSettings } from '../persist/model_file.js';
import { tableSpecFromReader } from '../train/setup.js';

/** Cells on the first line of `file` (a delimited text file). */
async function firstLineCells(file: string, sep: string, quotes: boolean): Promise<number> {
  const chunks = readLineChunks(file, { chunkBytes: 1 << 16 });
  const head = await chunks.next();
  await chunks.return(undefined);
  if (head.done) return 0;
  const buf = head.value.buf;
  let e = buf.indexOf(10);
  if (e < 0) e = buf.length;
  if (e > 0 && buf[e - 1] === 13) e--;
  return splitLine(buf.toString('utf8', 0, e), sep, quotes).length;
}

/** The TableSpec to read `file` the way the model's training data was read. */
export async function tableSpecForModel(reader: ReaderSettings, file: string): Promise<TableSpec> {
  const saved = tableSpecFromReader(reader);
  const spec: TableSpec = saved.format ? (saved as TableSpec) : { ...saved, format: (await detectFormat(file)).format };
  if (spec.format === 'libsvm' || spec.format === 'libffm') return spec;
  let header = spec.header ?? spec.format !== 'criteo_tsv';
  const columns = spec.columns ?? (spec.format === 'criteo_tsv' ? [...CRITEO_COLUMNS] : undefined);
  // Trained on a file with a header, given one without (Avazu's dev/test files): the saved column names apply.
  if (header && columns && !(await detectFormat(file)).header) header = false;
  const label = reader.label;
  if (header || !columns || label === null || !columns.includes(label)) return { ...spec, header, columns };
  const sep = spec.separator ?? (spec.format === 'csv' ? ',' : '\t');
  const cells = await firstLineCells(file, sep, spec.format === 'csv' || sep === ',');
  return { ...spec, header: false, columns: cells === columns.length - 1 ? columns.filter((c) => c !== label) : columns };
}
