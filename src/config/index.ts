export { loadConfig, readConfigFile, validateConfig, checkUnknownKeys, type LoadConfigOptions } from './load.js';
export { parseOverrides, parseOverrideValue, type ParsedOverrides } from './overrides.js';
export { deepMerge, setDotted, dottedPath, isPlainObject, type ConfigObject } from './merge.js';
export { configReference, referenceRows, type ReferenceRow } from './reference.js';
export { typeLabel, typePhrase, schemaAt, unwrap, objectShape, leafPaths } from './schema_walk.js';
export { closest, editDistance } from './suggest.js';
export { trainingSchema, type TrainingConfig } from './training.js';
