/** The PyTorch export fixtures (scripts/onnx_fixtures.py): names and paths, and an imported model. */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EmbeddingStore } from '../../../src/embedding/store.js';
import { readOnnxFile } from '../../../src/io/onnx/read.js';
import { OnnxGraphModel } from '../../../src/models/onnx/model.js';

export const FIXTURES = fileURLToPath(new URL('../../../../test/fixtures/onnx/', import.meta.url));

/** Fixture base names, e.g. 'dcn_flat_op17'. */
export const fixtureNames = (): string[] =>
  readdirSync(FIXTURES)
    .filter((f) => f.endsWith('.onnx'))
    .map((f) => f.slice(0, -5))
    .sort();

export const fixturePath = (name: string, suffix: '.onnx' | '.inputs.npz' | '.expected.npz'): string =>
  join(FIXTURES, name + suffix);

export function importFixture(name: string, slots = 0): OnnxGraphModel {
  return new OnnxGraphModel(readOnnxFile(fixturePath(name, '.onnx')), { store: new EmbeddingStore(), slots });
}
