/**
 * ONNX export of quantized models: quantized tables and int8 weights stay quantized in the file
 * (UINT8 levels + FLOAT16 row scales/offsets, INT8 levels x column scales), the file is smaller than
 * the float export, and onnxruntime-node gives slimctr's quantized predictions within 1e-5.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { StoredBits } from '../../src/compress/plan.js';
import { applyBits, bitsFor, type Quantize } from '../../src/compress/quantize.js';
import { QuantizedTable } from '../../src/embedding/quantized_table.js';
import type { EmbeddingStore } from '../../src/embedding/store.js';
import { ModelProtoType } from '../../src/io/onnx/schema.js';
import { getEngine } from '../../src/kernels/engine.js';
import type { CTRModel } from '../../src/models/model.js';
import { MODELS, findModel } from '../../src/models/registry.js';
import { buildOnnx, exportOnnx } from '../../src/serve/onnx/export.js';
import { tinyData, tinySpec } from '../models/tiny.js';
import { SMALL_OPTIONS, buildTrained, compressLow, newStore, parityGap } from './onnx_parity.js';

before(async () => {
  await getEngine();
});

const TOL = 1e-5;
const rows = tinyData(48, 7);

/** `--quantize q` on every Linear target (the slots a plan may name) and the field tables. */
function quantize(model: CTRModel, store: EmbeddingStore, q: Quantize): Record<string, StoredBits> {
  const targets = model.parts().linears.map((s) => ({ kind: 'layer', path: s.path }));
  if (model.inputs?.fields) targets.push({ kind: 'embedding', path: 'embedding' });
  const bits = bitsFor(model, targets, q);
  applyBits(model, bits, store);
  return bits;
}

/** Initializers by name: element type and dims. */
function initializers(bytes: Uint8Array): Map<string, { type: number; dims: number[] }> {
  const m = ModelProtoType.toObject(ModelProtoType.decode(bytes), { longs: Number }) as {
    graph: { initializer: { name: string; dataType: number; dims?: number[] }[] };
  };
  return new Map(m.graph.initializer.map((t) => [t.name, { type: t.dataType, dims: t.dims ?? [] }]));
}

const VARIANTS = [
  ['int8', 'int8'],
  ['int4', 'int4'],
  ['afm + int4', 'int4'],
] as const;

for (const entry of MODELS) {
  test(`${entry.name}: quantized (${VARIANTS.map((v) => v[0]).join(', ')}) exports match onnxruntime within ${TOL}`, async (t) => {
    for (const [name, q] of VARIANTS) {
      const store = newStore();
      const model = buildTrained(entry, SMALL_OPTIONS, store);
      if (name.startsWith('afm')) compressLow(model, 'afm', store);
      const bits = quantize(model, store, q);
      const out = buildOnnx(model, tinySpec, { bits });
      const gap = await parityGap(model, rows, out.bytes);
      t.diagnostic(`${entry.name} ${name}: max |dp| = ${gap.toExponential(2)}; ${out.quantized}`);
      assert.ok(gap < TOL, `${entry.name} ${name}: max |dp| = ${gap}`);
      const tables = model.inputs?.fields?.fieldTables ?? [];
      if (tables.length) {
        assert.ok(tables.every((x) => x instanceof QuantizedTable));
        assert.match(out.quantized ?? '', new RegExp(`^${tables.length} ${q === 'int8' ? 8 : 4}-bit tables`));
      }
      if (Object.entries(bits).some(([p, b]) => p !== 'embedding' && b === 8))
        assert.match(out.quantized ?? '', /int8 weights? as INT8/);
    }
  });
}

test('int8 and int4 files hold UINT8 levels (4-bit: two a byte), FLOAT16 row scales and INT8 weights; int8 is under half the float export', async (t) => {
  const options = { ...SMALL_OPTIONS, embedding_dim: 16, hidden: [64, 32] };
  const sizes: Record<string, number> = {};
  for (const q of ['float', 'int8', 'int4'] as const) {
    const store = newStore();
    const model = buildTrained(findModel('deepfm')!, options, store);
    const bits = q === 'float' ? undefined : quantize(model, store, q);
    const bytes = exportOnnx(model, tinySpec, { bits });
    sizes[q] = bytes.length;
    assert.ok((await parityGap(model, rows, bytes)) < TOL);
    if (q === 'float') continue;
    const init = initializers(bytes);
    const rowsAll = tinySpec.categorical.reduce((n, f) => n + f.vocab, 0);
    assert.deepEqual(init.get('inputs.tables.levels'), { type: 2, dims: [rowsAll, q === 'int8' ? 16 : 8] }, 'UINT8');
    assert.deepEqual(init.get('inputs.tables.scales'), { type: 10, dims: [rowsAll, 1] }, 'FLOAT16 scales');
    assert.deepEqual(init.get('inputs.tables.offsets'), { type: 10, dims: [rowsAll, 1] }, 'FLOAT16 offsets');
    assert.deepEqual(
      init.get('mlp.layer0.W'),
      { type: 3, dims: [16 * (tinySpec.categorical.length + tinySpec.numeric.length), 64] },
      'INT8',
    );
    assert.deepEqual(init.get('mlp.layer0.W.scale'), { type: 1, dims: [1, 64] }, 'FLOAT column scales');
    assert.ok(!init.has('inputs.tables'), 'no float copy of the tables');
  }
  t.diagnostic(`deepfm D=16 [64, 32]: float ${sizes.float} bytes, int8 ${sizes.int8}, int4 ${sizes.int4}`);
  assert.ok(sizes.int8 < 0.5 * sizes.float, `int8 ${sizes.int8} bytes vs float ${sizes.float}`);
});

test('4-bit tables of an odd width (the padding nibble cut after the split) match onnxruntime', async () => {
  for (const name of ['deepfm', 'autoint']) {
    const store = newStore();
    const model = buildTrained(findModel(name)!, { ...SMALL_OPTIONS, embedding_dim: 5 }, store);
    const bits = quantize(model, store, 'int4');
    assert.equal((model.inputs!.fields!.fieldTables[0] as QuantizedTable).rowBytes, 3);
    const gap = await parityGap(model, rows, exportOnnx(model, tinySpec, { bits }));
    assert.ok(gap < TOL, `${name}: max |dp| = ${gap}`);
  }
});

test('without the plan`s bits, int8 weights export as float and quantized tables still export quantized, with the same numbers', async () => {
  const store = newStore();
  const model = buildTrained(findModel('deepfm')!, SMALL_OPTIONS, store);
  quantize(model, store, 'int8');
  const out = buildOnnx(model, tinySpec);
  assert.doesNotMatch(out.quantized ?? '', /int8 weight/);
  assert.match(out.quantized ?? '', /8-bit tables/);
  assert.ok((await parityGap(model, rows, out.bytes)) < TOL);
});
