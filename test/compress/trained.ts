/** Tiny zoo models trained a few steps on tiny data, for the compression tests. */
import { backward, bceWithLogits, noGrad, sigmoid } from '../../src/autograd/index.js';
import type { EmbeddingStore } from '../../src/embedding/store.js';
import type { CTRModel } from '../../src/models/model.js';
import { findModel } from '../../src/models/registry.js';
import type { Batch } from '../../src/nn/types.js';
import { Optimizer, SLOTS } from '../../src/optim/optimizer.js';
import { Rng } from '../../src/tensor/rng.js';
import { tidy } from '../../src/tensor/tensor.js';
import { optionsFor, sliceBatch, tinyData, tinySpec } from '../models/tiny.js';

/** The options `trained` builds `name` with. */
export const trainedOptions = (name: string): Record<string, unknown> =>
  findModel(name)!.options.parse(
    optionsFor(findModel(name)!, { embedding_dim: 8, hidden: [24, 16], attention_head_dim: 8 }),
  ) as Record<string, unknown>;

export function trained(name: string, store: EmbeddingStore): CTRModel {
  const model = findModel(name)!.create(tinySpec, trainedOptions(name), { rng: new Rng(3), store, slots: SLOTS.adam });
  const opt = new Optimizer(model.params(), model.tables(), { kind: 'adam', lr: 5e-3 });
  const data = tinyData(2048, 1);
  for (let a = 0; a < data.rows; a += 256) {
    const b = sliceBatch(data, a, a + 256);
    tidy(() => backward(bceWithLogits(model.forward(b), b.labels!)));
    opt.step();
    opt.zeroGrad();
  }
  return model;
}

export function predict(model: CTRModel, b: Batch): Float32Array {
  model.eval();
  return noGrad(() => tidy(() => sigmoid(model.forward(b)).toArray()));
}
