/** A small model file with encoders, for tests of what a file holds. */
import { join } from 'node:path';
import { HASH_NAME } from '../../src/data/hash.js';
import { EmbeddingStore } from '../../src/embedding/store.js';
import { findModel } from '../../src/models/registry.js';
import type { EncodersJSON } from '../../src/data/index.js';
import { saveModel } from '../../src/persist/save_model.js';
import { packVocabularies } from '../../src/persist/vocab_tensors.js';
import { modelTensors } from '../../src/persist/weights.js';
import { Rng } from '../../src/tensor/rng.js';

/** Saves a small DeepFM with a text, a hex and a hashed field; returns its path, weight bytes and vocabulary bytes. */
export function savedModel(dir: string): { path: string; weights: number; encoders: number } {
  const values = [
    Array.from({ length: 300 }, (_, k) => `v${k}`),
    Array.from({ length: 500 }, (_, k) => k.toString(16).padStart(8, '0')),
  ];
  const spec = {
    categorical: [
      { name: 'c0', vocab: 302 },
      { name: 'c1', vocab: 502 },
      { name: 'h', vocab: 17 },
    ],
    numeric: ['n'],
  };
  const entry = findModel('deepfm')!;
  const options = entry.options.parse({ embedding_dim: 4, hidden: [8] }) as Record<string, unknown>;
  const model = entry.create(spec, options, { rng: new Rng(2), store: new EmbeddingStore(), slots: 0 });
  const encoders = vocabEncoders(values, 16);
  const path = join(dir, 'model.safetensors');
  saveModel(path, model, { options, features: spec, encoders, reader: null, training: null });
  const sum = (ts: Iterable<{ data: ArrayBufferView }>) => [...ts].reduce((n, t) => n + t.data.byteLength, 0);
  return {
    path,
    weights: sum(modelTensors(model).values()),
    encoders: sum(packVocabularies(encoders).tensors.values()),
  };
}

/** Encoders JSON: a 'vocab' field c<i> for each list of values, then a field 'h' hashed into `buckets`. */
export function vocabEncoders(lists: string[][], buckets = 8): EncodersJSON {
  return {
    format: 'slimctr-encoders',
    version: 1,
    hash: HASH_NAME,
    label: 'label',
    dense: [],
    categorical: [
      ...lists.map((values, i) => ({ name: `c${i}`, encoder: 'vocab' as const, min_count: 1, values })),
      { name: 'h', encoder: 'hash', buckets },
    ],
  };
}
