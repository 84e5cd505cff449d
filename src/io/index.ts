export {
  writeFileAtomic,
  writeFileAtomicAsync,
  tempPathFor,
  type AtomicData,
  type AtomicWriteOptions,
} from './atomic.js';
export {
  DTYPES,
  MAX_HEADER_BYTES,
  decodeSafetensors,
  dtypeSize,
  encodeSafetensors,
  isDType,
  parseSafetensorsHeader,
  tensorDataChunks,
  type DType,
  type Safetensors,
  type Tensor,
  type TensorData,
  type TensorEntry,
} from './safetensors.js';
export { readSafetensors, readSafetensorsHeader, serializeSafetensors, writeSafetensors } from './safetensors_file.js';
export {
  MODEL_FORMAT_NAME,
  MODEL_FORMAT_VERSION,
  decodeModelFile,
  encodeModelFile,
  loadModelFile,
  saveModelFile,
  type ModelFile,
} from './model_file.js';
