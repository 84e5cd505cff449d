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
import { tableSpecFromReader } from '../persist/reader_settings.js';

/** Lines sampled to tell a labelled headerless file from an unlabelled one. */
const SAMPLE_LINES = 100;

/** Cell counts of the first lines of `file` (a delimited text file), up to SAMPLE_LINES. */
async function leadingCellCounts(file: string, sep: string, quotes: boolean): Promise<number[]> {
  const chunks = readLineChunks(file, { chunkBytes: 1 << 16 });
  const head = await chunks.next();
  await chunks.return(undefined);
  if (head.done) return [];
  const buf = head.value.buf;
  const counts: number[] = [];
  for (let s = 0; s < buf.length && counts.length < SAMPLE_LINES; ) {
    let e = buf.indexOf(10, s);
    if (e < 0) e = buf.length;
    const end = e > s && buf[e - 1] === 13 ? e - 1 : e;
    if (end > s) counts.push(splitLine(buf.toString('utf8', s, end), sep, quotes).length);
    s = e + 1;
  }
  return counts;
}

/**
 * The TableSpec to read `file` the way the model's training data was read. A headerless file is
 * read as unlabelled only when every sampled line is one cell short of the training layout (one
 * short line among full ones is a malformed row, reported by the reader); `note` is told what was
 * detected and why.
 */
export async function tableSpecForModel(
  reader: ReaderSettings,
  file: string,
  note: (msg: string) => void = () => {},
): Promise<TableSpec> {
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
  const counts = await leadingCellCounts(file, sep, spec.format === 'csv' || sep === ',');
  const unlabelled = counts.length > 0 && counts.every((n) => n === columns.length - 1);
  if (unlabelled) {
    note(
      `${file}: read without the label column '${label}': its first ${counts.length} line(s) all have ${columns.length - 1} cells, one fewer than the training layout`,
    );
  } else if (counts.some((n) => n === columns.length - 1)) {
    note(
      `${file}: read with the label column '${label}' (${columns.length} cells, as in training): most of its first ${counts.length} lines have them; a line one cell short is a malformed row`,
    );
  }
  return { ...spec, header: false, columns: unlabelled ? columns.filter((c) => c !== label) : columns };
}
