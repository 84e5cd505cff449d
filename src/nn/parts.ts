/**
 * What compression sees of a model: its linear maps and its field embeddings, each in a slot it
 * can read and swap, and who consumes the embeddings. Zoo models and imported ONNX graphs both
 * describe themselves this way (`parts()`), so one compressor serves both. Slots are found from
 * what modules registered as swappable (Module.swappable), never by sub-module names.
 */
import type { EmbeddingTable } from '../embedding/table.js';
import type { Tensor } from '../tensor/tensor.js';
import type { FeatureInputs } from './feature_inputs.js';
import type { FieldEmbedding } from './field_embedding.js';
import { Linear } from './linear.js';
import { LowRankLinear } from './low_rank_linear.js';
import type { LinearLike, MLP } from './mlp.js';
import type { Module } from './module.js';

/** A place holding a linear map. */
export interface LinearSlot {
  /** Module path (e.g. `mlp.layer1`): the key of plans, statistics and reports. */
  readonly path: string;
  get(): LinearLike;
  /** Installs a replacement (a factorized layer) where the model reads this one. */
  set(layer: LinearLike): void;
}

/** The sparse part: how categorical fields are embedded, swappable as a whole. */
interface EmbeddingSlot {
  get(): FieldEmbedding;
  set(fields: FieldEmbedding): void;
  /**
   * The Linear that reads the flattened field vectors (then dense values) as its input, where a
   * low-rank reconstruction can be folded into its weights; null when only interaction layers read them.
   */
  readonly reader: LinearSlot | null;
  /**
   * [N, D] vectors of the numeric features embedded as fields (value x vector; in the reader's
   * input they follow the categorical fields), null when numeric values pass as dense.
   */
  readonly numeric: Tensor | null;
  /** From now on the reader takes each numeric feature's value where it took its vector (its weights must be folded to match). */
  foldNumeric(): void;
}

/** An embedding table read on its own (an imported graph's Gather), factorized where the graph is rewritten. */
interface TableSlot {
  /** The table's name (an imported graph: its weight initializer). */
  readonly path: string;
  readonly table: EmbeddingTable;
}

export interface ModelParts {
  /** Every Linear in a swappable slot, in tree order (a factorized layer's two factors included). */
  linears: LinearSlot[];
  embedding: EmbeddingSlot | null;
  /** Tables outside a field embedding (imported graphs), each its own target. */
  tables?: TableSlot[];
}

/** What compression needs of a model: its parts and its parameter count (zoo models and imported graphs). */
export interface Compressible {
  parts(): ModelParts;
  paramCount(): number;
}

/** The Linear slots of `root`'s tree, by module path, in tree order. */
export function linearSlots(root: Module): LinearSlot[] {
  const holder = new Map<Module, [Module, string]>();
  for (const [, m] of root.namedModules())
    for (const [name, child] of m.swappableChildren()) holder.set(child, [m, name]);
  const out: LinearSlot[] = [];
  for (const [path, child] of root.namedModules()) {
    const h = holder.get(child);
    if (!(child instanceof Linear) || !h) continue;
    const [m, name] = h;
    out.push({
      path,
      get: () => m.children().find(([n]) => n === name)![1] as LinearLike,
      set: (layer) => m.replace(name, layer),
    });
  }
  return out;
}

/** The Linear of `mlp` that reads its input: the first layer, or its first factor once factorized. */
export function inputLayer(mlp: MLP): LinearLike {
  const first = mlp.layers[0] ?? mlp.out!;
  return first instanceof LowRankLinear ? first.down : first;
}

/** A model's parts: its Linear slots, and its field embeddings with the layer reading them flattened (if any). */
export function modelParts(root: Module, inputs: FeatureInputs | null, embeddingMLP: MLP | null): ModelParts {
  const linears = linearSlots(root);
  const first = embeddingMLP ? inputLayer(embeddingMLP) : null;
  return {
    linears,
    embedding: inputs?.fields
      ? {
          get: () => inputs.fields!,
          set: (f) => inputs.setFields(f),
          reader: linears.find((s) => s.get() === first) ?? null,
          numeric: inputs.numericVectors,
          foldNumeric: () => {
            inputs.numericFolded = true;
          },
        }
      : null,
  };
}
