/**
 * A model's state as named float32 arrays, and back: dense parameters (`namedParams`), embedding
 * weights (`namedTables`, rows x dim, optimizer slots left out) and non-trainable buffers found
 * on modules (batch-norm running statistics). Used by model files and checkpoints.
 */
import type { EmbeddingTable } from '../embedding/table.js';
import type { Tensor as FileTensor } from '../io/safetensors.js';
import type { Module } from '../nn/module.js';
import { Rng } from '../tensor/rng.js';
import { noteWeightsChanged } from '../tensor/tensor.js';
import { ModelFileError } from '../util/errors.js';

/** A running-statistics buffer pair as BatchNorm keeps it. */
interface RunningStats {
  runningMean: Float32Array;
  runningVar: Float32Array;
}

function isRunningStats(v: unknown): v is RunningStats {
  const s = v as Partial<RunningStats> | null;
  return (
    typeof s === 'object' && s !== null && s.runningMean instanceof Float32Array && s.runningVar instanceof Float32Array
  );
}

/** Own fields of every module holding running statistics, as (tensor name, array) pairs. */
export function namedBuffers(model: Module): [string, Float32Array][] {
  const out: [string, Float32Array][] = [];
  for (const [path, m] of model.namedModules()) {
    for (const [field, value] of Object.entries(m)) {
      if (!isRunningStats(value)) continue;
      const base = [path, field === 'state' ? '' : field].filter(Boolean).join('.');
      out.push([`${base}.running_mean`, value.runningMean], [`${base}.running_var`, value.runningVar]);
    }
  }
  return out;
}

/** Every seeded generator held by a module (dropout streams), in a stable tree order. */
export function namedRngs(model: Module): [string, Rng][] {
  const out: [string, Rng][] = [];
  for (const [path, m] of model.namedModules()) {
    for (const [field, value] of Object.entries(m)) if (value instanceof Rng) out.push([`${path}.${field}`, value]);
  }
  return out;
}

/** Rng internals (mulberry32 state and the cached normal) for checkpoints. */
export interface RngState {
  state: number;
  spare: number | null;
}

export function rngState(r: Rng): RngState {
  const raw = r as unknown as RngState;
  return { state: raw.state, spare: raw.spare };
}

export function setRngState(r: Rng, s: RngState): void {
  Object.assign(r as unknown as RngState, { state: s.state >>> 0, spare: s.spare });
}

const f32 = (data: Float32Array, shape: number[]): FileTensor => ({ dtype: 'F32', shape, data });

/** The model's weights as file tensors (copies), named by parameter / table / buffer path. */
export function modelTensors(model: Module): Map<string, FileTensor> {
  const out = new Map<string, FileTensor>();
  const put = (name: string, t: FileTensor): void => {
    if (out.has(name))
      throw new Error(`internal: model state: two tensors named '${name}' (a parameter and a table share a name)`);
    out.set(name, t);
  };
  for (const [name, p] of model.namedParams()) put(name, f32(p.toArray(), [...p.shape]));
  for (const [name, t] of model.namedTables()) put(name, f32(t.readRows(), [t.rows, t.dim]));
  for (const [name, b] of namedBuffers(model)) put(name, f32(Float32Array.from(b), [b.length]));
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

/** Overwrites the model's weights from file tensors; every expected tensor must be present with its shape and finite values. */
export function applyModelTensors(model: Module, tensors: ReadonlyMap<string, FileTensor>, file: string): void {
  for (const [name, p] of model.namedParams()) p.assign(take(tensors, name, p.shape, file));
  for (const [name, t] of model.namedTables()) t.writeRows(take(tensors, name, [t.rows, t.dim], file));
  for (const [name, b] of namedBuffers(model)) b.set(take(tensors, name, [b.length], file));
  noteWeightsChanged();
}

/** Whole rows of a table, weights and optimizer slots interleaved (rows x stride). */
export function readTableRowsWithSlots(t: EmbeddingTable): Float32Array {
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
