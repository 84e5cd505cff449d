/**
 * A loaded model as the public API hands it out: what it reads, and click probabilities for raw
 * rows or for encoded batches. Host-independent: `slimctr` (Node) and `slimctr/web` (browsers)
 * both return it. The kernel engine must be running (the loaders start it).
 */
import type { RawRow } from '../data/encoders/encoders.js';
import { engine, type Engine } from '../kernels/engine.js';
import type { CTRModel } from '../models/model.js';
import type { Batch } from '../nn/types.js';
import { loadModel, type LoadedModel, type ModelMeta } from '../persist/model_file.js';
import { UsageError } from '../util/errors.js';
import { encodeRows, inputColumns, predictProbabilities } from './score.js';

export class Model {
  /** The engine whose memory holds the weights: a model cannot outlive it. */
  private readonly home: Engine = engine();

  private constructor(
    private readonly loaded: LoadedModel,
    readonly name: string,
  ) {}

  /** Decodes and verifies a model file held in memory (`name` appears in error messages). */
  static fromBytes(bytes: Uint8Array, name = 'model'): Model {
    return new Model(loadModel(bytes, { name }), name);
  }

  /** Wraps a model already loaded by the persistence layer. */
  static of(loaded: LoadedModel, name: string): Model {
    return new Model(loaded, name);
  }

  /** The model's kind in the zoo, e.g. `deepfm`. */
  get kind(): string {
    return this.loaded.meta.kind;
  }

  /** Parameter count. */
  get params(): number {
    return this.loaded.meta.params;
  }

  /** Everything the model file records: options, features, encoders, training metrics, compression plan. */
  get meta(): ModelMeta {
    return this.loaded.meta;
  }

  /** The raw columns a row holds, in the order an array row gives them. */
  get columns(): string[] {
    return inputColumns(this.loaded);
  }

  /** The underlying zoo model (for export and the lower layers). */
  get network(): CTRModel {
    return this.loaded.model;
  }

  /** Encodes raw rows (objects keyed by column, or arrays in `columns` order) into one batch. */
  encode(rows: readonly RawRow[]): Batch {
    return encodeRows(rows, this.loaded.encoders, this.loaded.meta.features);
  }

  /** Click probabilities of raw rows. */
  predict(rows: readonly RawRow[]): Float32Array {
    return this.predictEncoded(this.encode(rows));
  }

  /** Click probabilities of an encoded batch (`ids` [rows x fields], `dense` [rows x numeric]). */
  predictEncoded(batch: Batch): Float32Array {
    if (engine() !== this.home)
      throw new UsageError(`${this.name}: the kernel engine it was loaded on has been replaced; load the model again`);
    return predictProbabilities(this.loaded.model, batch);
  }
}
