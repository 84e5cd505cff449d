/**
 * A model's state as named file tensors, and back: dense parameters (`namedParams`), embedding
 * weights (`namedTables`, rows x dim, optimizer slots left out) and non-trainable buffers
 * (`namedBuffers`: batch-norm running statistics), float32 unless stored in fewer bits
 * (quantized_tensors.ts: quantized tables, and the weights named in `int8`). Used by model files
 * and checkpoints.
 */
import type { EmbeddingTable } from '../embedding/table.js';
import type { Tensor as FileTensor } from '../io/safetensors.js';
import type { Module } from '../nn/module.js';
import { noteWeightsChanged } from '../tensor/tensor.js';
import { ModelFileError } from '../util/errors.js';
import { QuantizedTable } from '../embedding/quantized_table.js';
import type { Storage } from '../compress/quantize.js';
import {
  halfTensor,
  int8Tensors,
  quantizedTableTensors,
  takeHalf,
  takeInt8,
  takeQuantizedTable,
} from './quantized_tensors.js';

/** Everything float32. */
const PLAIN: Storage = { int8: new Set(), half: new Set() };

const f32 = (data: Float32Array, shape: number[]): FileTensor => ({ dtype: 'F32', shape, data });

/** The model's weights as file tensors (copies), named by parameter / table / buffer path, in the widths `storage` says. */
export function modelTensors(model: Module, storage: Storage = PLAIN): Map<string, FileTensor> {
  const out = new Map<string, FileTensor>();
  const put = (name: string, t: FileTensor): void => {
    if (out.has(name))
      throw new Error(`internal: model state: two tensors named '${name}' (a parameter and a table share a name)`);
    out.set(name, t);
  };
  for (const [name, p] of model.namedParams()) {
    if (storage.int8.has(name)) for (const [n, t] of int8Tensors(name, p)) put(n, t);
    else put(name, f32(p.toArray(), [...p.shape]));
  }
  for (const [name, t] of model.namedTables()) {
    if (t instanceof QuantizedTable) for (const [n, x] of quantizedTableTensors(name, t)) put(n, x);
    else if (storage.half.has(name)) put(name, halfTensor(t.readRows(), [t.rows, t.dim]));
    else put(name, f32(t.readRows(), [t.rows, t.dim]));
  }
  for (const [name, b] of model.namedBuffers()) put(name, f32(Float32Array.from(b), [b.length]));
  return out;
}

function take(
  tensors: ReadonlyMap<string, FileTensor>,
  name: string,
  shape: readonly number[],
  file: string,
): Float32Array {
  const t = tensors.get(name);
  if (!t) throw new ModelFileError(file, `tensor '${name}' is missing (the file does not match this model)`);
  if (t.dtype !== 'F32' || !(t.data instanceof Float32Array))
    throw new ModelFileError(file, `tensor '${name}' is ${t.dtype}, expected F32`);
  if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
    throw new ModelFileError(file, `tensor '${name}' has shape [${t.shape}], the model expects [${shape}]`);
  }
  const d = t.data;
  for (let i = 0; i < d.length; i++) {
    if (!Number.isFinite(d[i]))
      throw new ModelFileError(
        file,
        `tensor '${name}' holds ${d[i]} at index ${i}: a model with NaN or infinite weights is refused`,
      );
  }
  return d;
}

/**
 * Overwrites the model's weights from file tensors; every expected tensor must be present with its
 * shape and finite values (in the widths `storage` says, as when saved).
 */
export function applyModelTensors(
  model: Module,
  tensors: ReadonlyMap<string, FileTensor>,
  file: string,
  storage: Storage = PLAIN,
): void {
  for (const [name, p] of model.namedParams())
    p.assign(storage.int8.has(name) ? takeInt8(tensors, name, p.shape, file) : take(tensors, name, p.shape, file));
  for (const [name, t] of model.namedTables()) {
    if (t instanceof QuantizedTable) t.load(takeQuantizedTable(tensors, name, t, file));
    else if (storage.half.has(name)) t.writeRows(takeHalf(tensors, name, [t.rows, t.dim], file));
    else t.writeRows(take(tensors, name, [t.rows, t.dim], file));
  }
  for (const [name, b] of model.namedBuffers()) b.set(take(tensors, name, [b.length], file));
  noteWeightsChanged();
}

/** Whole rows of a table, weights and optimizer slots interleaved (rows x stride). */
export function readTableRowsWithSlots(t: EmbeddingTable): Float32Array {
  if (t instanceof QuantizedTable)
    throw new Error(
      `internal: ${t.name} is quantized: checkpoints hold training state, which quantized tables have none of`,
    );
  const out = new Float32Array(t.rows * t.stride);
  for (const s of t.shards) out.set(s.group.f32(s.ptr, (s.hi - s.lo) * t.stride), s.lo * t.stride);
  return out;
}

/** Inverse of readTableRowsWithSlots. */
export function writeTableRowsWithSlots(t: EmbeddingTable, values: Float32Array): void {
  if (values.length !== t.rows * t.stride)
    throw new Error(
      `internal: table ${t.name}: ${values.length} values for ${t.rows} x ${t.stride} (callers check sizes)`,
    );
  for (const s of t.shards)
    s.group.f32(s.ptr, (s.hi - s.lo) * t.stride).set(values.subarray(s.lo * t.stride, s.hi * t.stride));
}
