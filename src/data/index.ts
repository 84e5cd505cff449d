/** Public API of the data layer (see README.md in this folder). */
export {
  parseDataConfig,
  dataConfigSchema,
  datasetSchema,
  featuresSchema,
  splitSchema,
  categoricalFeatureSchema,
  numericFeatureSchema,
} from './config.js';
export type {
  DataConfig,
  DatasetConfig,
  FeaturesConfig,
  SplitConfig,
  CategoricalFeatureConfig,
  NumericFeatureConfig,
} from './config.js';
export { openTable, detectFormat, CRITEO_COLUMNS, FORMATS } from './formats/table.js';
export type { Table, TableSpec, FormatName } from './formats/table.js';
export { RowBlock } from './formats/row_block.js';
export { BadRows } from './bad_rows.js';
export type { BadRowPolicy } from './bad_rows.js';
export { Encoders, encodersJsonSchema } from './encoders/encoders.js';
export type { EncodersJSON, RawRow, EncodedRow } from './encoders/encoders.js';
export { OOV_ID, MISSING_ID } from './encoders/categorical.js';
export { EncoderFitter } from './encoders/fit.js';
export { BoundEncoders, EncodedRows } from './encoders/bound.js';
export type { Batch, BatchOptions, LabelledBatch } from './batch.js';
export { CachedSplit } from './cache/reader.js';
export { prepareData, streamBatches, tableSpecOf } from './pipeline.js';
export type { PrepareOptions, PreparedData } from './pipeline.js';
export type { SplitName } from './split.js';
