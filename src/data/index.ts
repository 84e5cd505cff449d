/** Public API of the data layer (see README.md in this folder). */
export { datasetSchema, featuresSchema } from './config.js';
export type { DatasetConfig } from './config.js';
export { openTable, detectFormat, CRITEO_COLUMNS } from './formats/table.js';
export type { TableSpec } from './formats/table.js';
export { BadRows } from './bad_rows.js';
export { Encoders } from './encoders/encoders.js';
export type { EncodersJSON } from './encoders/encoders.js';
export { BoundEncoders, EncodedRows } from './encoders/bound.js';
export type { LabelledBatch } from './batch.js';
export { CachedSplit } from './cache/reader.js';
export { prepareData, streamBatches, tableSpecOf } from './pipeline.js';
export type { PreparedData } from './pipeline.js';
