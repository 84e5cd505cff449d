/**
 * How a model file records the way its training data was read (`ReaderSettings`), and the way
 * back: reading another file (eval, predict, serve's column order) the way training read its data.
 */
import { columnsOf } from '../data/formats/table.js';
import type { DatasetConfig, TableSpec } from '../data/index.js';
import type { ReaderSettings } from './model_bytes.js';

/** Resolved reader settings (detected format included) for the model file. */
export async function readerOf(ds: DatasetConfig, spec: TableSpec): Promise<ReaderSettings> {
  const delimited = spec.format === 'csv' || spec.format === 'tsv';
  return {
    format: spec.format,
    separator: spec.separator,
    header: spec.header,
    // The training file's columns, so that a file without a header can be read later.
    columns: spec.columns ?? (delimited ? await columnsOf(ds.train, spec) : undefined),
    label: ds.label,
    num_fields: spec.numFields,
    multi_value: ds.multi_value,
    // Resolved (a featindex file read into ranges), so reading later needs no other file.
    field_map: spec.fieldMap,
    on_bad_row: ds.on_bad_row,
  };
}

/** A TableSpec for reading another file the way training read its data. */
export function tableSpecFromReader(r: ReaderSettings): Omit<TableSpec, 'format'> & { format?: TableSpec['format'] } {
  return {
    format: r.format as TableSpec['format'] | undefined,
    separator: r.separator,
    header: r.header,
    columns: r.columns,
    numFields: r.num_fields,
    multiValue: r.multi_value,
    fieldMap: r.field_map?.by === 'featindex' ? undefined : r.field_map,
  };
}
