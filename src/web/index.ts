/**
 * slimctr for browsers and bundlers (`import { openModel } from 'slimctr/web'`): load a model file
 * and score rows on the same WebAssembly kernels as Node. Predict only; no Node built-ins anywhere
 * in this module's graph. On a cross-origin isolated page the kernels also run on Web Workers over
 * the same shared memory (`worker.js`, beside the bundle); without isolation, on the calling thread
 * alone, with the same results. The kernel builds (`kernels.wasm`, `kernels-relaxed.wasm`, also
 * exported as `slimctr/web/kernels.wasm` and `slimctr/web/kernels-relaxed.wasm`) are fetched from
 * beside the bundle unless `kernelsUrl` says where. An ONNX file (a PyTorch export) opens as a
 * GraphModel, scored by named input tensors (`predictInputs({name: [...]})`).
 */
import { engine, initEngine, runningEngine } from '../kernels/engine.js';
import { GraphModel, isOnnxBytes } from '../api/graph_model.js';
import { Model } from '../api/model.js';
import { ModelFileError } from '../util/errors.js';

export interface OpenOptions {
  /** Name used in error messages (default: the URL's file name, or `model`). */
  name?: string;
  /** Folder URL holding `kernels.wasm` and `kernels-relaxed.wasm` (default: beside this module). */
  kernelsUrl?: string;
  /** Kernel threads, fixed by the first `openModel` (default: the cores, at most 4, on a cross-origin isolated page; else 1). */
  threads?: number;
}

/** A slimctr model (`kind` names its zoo model) or an imported ONNX graph (`kind` is 'onnx'). */
export type OpenedModel = Model | GraphModel;

let starting: Promise<unknown> | null = null;

/**
 * Starts the kernels (WebAssembly, plus Web Workers on a cross-origin isolated page); `openModel`
 * calls it on first use. The options of the first call hold; later calls wait for that start.
 */
export async function startKernels({
  kernelsUrl,
  threads,
}: Pick<OpenOptions, 'kernelsUrl' | 'threads'> = {}): Promise<void> {
  if (runningEngine()) return;
  starting ??= initEngine({ threads, kernelsUrl });
  await starting;
}

/** Loads a model from its bytes, or fetches it from a URL, and starts the kernels on first use. */
export async function openModel(
  source: Uint8Array | ArrayBuffer | URL | string,
  opts: OpenOptions = {},
): Promise<OpenedModel> {
  await startKernels(opts);
  if (source instanceof Uint8Array || source instanceof ArrayBuffer) {
    return fromBytes(source instanceof Uint8Array ? source : new Uint8Array(source), opts.name ?? 'model');
  }
  const res = await fetch(source);
  if (!res.ok) throw new ModelFileError(String(source), `HTTP ${res.status} ${res.statusText}`);
  const name = opts.name ?? (decodeURIComponent(String(source).split('?')[0].split('/').pop() ?? '') || 'model');
  return fromBytes(new Uint8Array(await res.arrayBuffer()), name);
}

/** A slimctr model file, or an ONNX ModelProto (told apart by their first bytes: isOnnxBytes). */
export function fromBytes(bytes: Uint8Array, name: string): OpenedModel {
  if (isOnnxBytes(bytes)) return GraphModel.fromBytes(bytes, name);
  return Model.fromBytes(bytes, name);
}

/** The kernels in use (`relaxed-simd` or `simd128` WebAssembly) and their thread count; throws before the first `openModel`. */
export function engineInfo(): { variant: string; threads: number } {
  const e = engine();
  return { variant: e.variant, threads: e.threads };
}

/** A loaded model: `columns`, `predict(rows)`, `predictEncoded(batch)`, `meta`. */
export { Model };
/** An imported ONNX graph: `inputs`, `predictInputs(columns)`, `predictJson(text)`, `summary()`. */
export { GraphModel };
export type { GraphInput } from '../serve/graph_layout.js';
/** A raw input row and an encoded batch. */
export type { RawRow } from '../data/encoders/encoders.js';
export type { Batch } from '../nn/types.js';
export type { ModelMeta } from '../persist/model_bytes.js';
/** The error classes a browser can meet: bad rows, bad model files, and their common base. */
export { SlimctrError, DataError, ModelFileError, RequestError } from '../util/errors.js';
