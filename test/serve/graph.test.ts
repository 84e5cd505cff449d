/**
 * `serve --onnx`: PyTorch export fixtures served in-process on 127.0.0.1 port 0, each request form
 * (Open Inference Protocol, TensorFlow Serving's columns and instances) answering PyTorch's recorded
 * outputs; the model metadata; onnxruntime-node as the engine; ids outside a table refused with 400
 * without failing the requests batched with them; overload, body limit and hot reload.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { getEngine } from '../../src/kernels/engine.js';
import type { PredictionServer, ServeOptions } from '../../src/serve/http.js';
import { scratchDir } from '../train/toy_data.js';
import { call, maxGap, serverStarter } from './fixture.js';
import { columnsBody, graphCase, instancesBody, v2Body, type GraphCase } from './graph_fixture.js';

// One fixture per input style: int64 [B] per field plus float [B] numbers; int64 [B, 3] plus
// float [B, 2]; one float [B, 5] sliced and cast by the model (DeepCTR-Torch style).
const STYLES = ['deepfm_fields_op17', 'dcn_matrix_op13', 'deepfm_flat_op17'];

before(async () => {
  await getEngine();
});
const start = serverStarter(1);
const serve = (c: GraphCase, opts: Partial<ServeOptions> = {}): Promise<PredictionServer> =>
  start(c.path, { graph: true, ...opts });

/** Every form's answer on the fixture's rows, checked against PyTorch's outputs (1e-5); returns the v2 answer. */
async function everyForm(s: PredictionServer, c: GraphCase): Promise<number[]> {
  const v2 = await call(s, `/v2/models/${c.name}/infer`, v2Body(c));
  assert.equal(v2.status, 200, JSON.stringify(v2.json));
  assert.equal(v2.json.model_name, c.name);
  assert.equal(v2.json.id, `req-${c.name}`);
  assert.equal(v2.json.outputs.length, 1);
  const out = v2.json.outputs[0];
  assert.deepEqual([out.name, out.datatype, out.shape], ['prob', 'FP32', [c.rows, 1]]);
  const answers: [string, number[]][] = [['v2', out.data]];
  const nested = await call(s, `/v2/models/${c.name}/infer`, v2Body(c, true));
  answers.push(['v2 nested data', nested.json.outputs?.[0].data]);
  for (const [path, form, body] of [
    ['/predict', 'inputs', columnsBody(c)],
    ['/predict', 'instances', instancesBody(c)],
    [`/v1/models/${c.name}:predict`, 'instances', instancesBody(c)],
  ] as const) {
    const r = await call(s, path, body);
    assert.equal(r.status, 200, `${path} ${form}: ${JSON.stringify(r.json)}`);
    answers.push([`${path} ${form}`, r.json.predictions]);
  }
  for (const [form, got] of answers) {
    assert.ok(maxGap(got, c.expected) <= 1e-5, `${c.name} ${form}: max gap to PyTorch ${maxGap(got, c.expected)}`);
  }
  return out.data;
}

test("every request form answers PyTorch's outputs (1e-5) for each input style, on both engines, and the engines agree", async () => {
  for (const name of STYLES) {
    const c = graphCase(name);
    const ours = await everyForm(await serve(c), c);
    const ort = await everyForm(await serve(c, { engine: 'onnx' }), c);
    assert.ok(maxGap(ours, ort) <= 1e-5, `${name}: slimctr vs onnxruntime ${maxGap(ours, ort)}`);
  }
});

test('a one-input graph also takes bare rows in {"instances"}', async () => {
  const c = graphCase('deepfm_flat_op17');
  const s = await serve(c);
  const x = c.inputs[0].array;
  const rows = Array.from({ length: c.rows }, (_, r) => Array.from(x.data.subarray(r * 5, r * 5 + 5)));
  const r = await call(s, '/predict', { instances: rows });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  assert.ok(maxGap(r.json.predictions, c.expected) <= 1e-5);
});

test("GET /v2/models/NAME lists the graph's inputs and output with datatypes and shapes (-1 the batch axis)", async () => {
  const cases: [string, unknown[]][] = [
    [
      'deepfm_fields_op17',
      [
        { name: 'f0', datatype: 'INT64', shape: [-1] },
        { name: 'f1', datatype: 'INT64', shape: [-1] },
        { name: 'f2', datatype: 'INT64', shape: [-1] },
        { name: 'd0', datatype: 'FP32', shape: [-1] },
        { name: 'd1', datatype: 'FP32', shape: [-1] },
      ],
    ],
    [
      'dcn_matrix_op13',
      [
        { name: 'ids', datatype: 'INT64', shape: [-1, 3] },
        { name: 'dense', datatype: 'FP32', shape: [-1, 2] },
      ],
    ],
    ['deepfm_flat_op17', [{ name: 'x', datatype: 'FP32', shape: [-1, 5] }]],
  ];
  for (const [name, inputs] of cases) {
    const s = await serve(graphCase(name), { name: 'ctr' });
    const meta = await call(s, '/v2/models/ctr');
    assert.equal(meta.status, 200);
    assert.deepEqual(meta.json, {
      name: 'ctr',
      versions: ['1'],
      platform: 'onnx',
      inputs,
      outputs: [{ name: 'prob', datatype: 'FP32', shape: [-1, 1] }],
    });
    const md = await call(s, '/metadata');
    assert.equal(md.json.kind, 'onnx');
    assert.equal(md.json.serving.allow_unknown_columns, undefined, 'no raw columns to allow');
    assert.deepEqual(md.json.inputs, inputs);
    assert.equal((await call(s, '/v2/models/ctr/ready')).status, 200);
  }
});

test('an id outside a table is a 400 naming it, and the requests batched with it still get their answers', async () => {
  const c = graphCase('dcn_matrix_op13');
  for (const engine of ['slimctr', 'onnx'] as const) {
    // A long wait so that both requests land in one batch.
    const s = await serve(c, { engine, maxWaitMs: 300 });
    const bad = structuredClone(v2Body(c)) as { inputs: { data: number[] }[] };
    bad.inputs[0].data[4] = 1000;
    const [good, refused] = await Promise.all([
      call(s, `/v2/models/${c.name}/infer`, v2Body(c)),
      call(s, `/v2/models/${c.name}/infer`, bad),
    ]);
    assert.equal(refused.status, 400, `${engine}: ${JSON.stringify(refused.json)}`);
    assert.match(
      refused.json.error,
      /the model refused the inputs: .*(id 1000 at position 1 is outside table|out of data bounds, idx=1000)/,
    );
    assert.equal(good.status, 200, `${engine}: ${JSON.stringify(good.json)}`);
    assert.ok(maxGap(good.json.outputs[0].data, c.expected) <= 1e-5, engine);
    const stats = (await call(s, '/metadata')).json.stats;
    assert.equal(stats.max_batch_rows, 2 * c.rows, `${engine}: the two requests shared a batch`);
  }
});

test('overload gives 503 with Retry-After and the accepted request is answered; a body past the limit gets 413', async () => {
  const c = graphCase('deepfm_fields_op17');
  const s = await serve(c, { maxQueuedRows: c.rows, maxWaitMs: 300, maxBodyBytes: 4000 });
  const [first, second] = await Promise.all([call(s, '/predict', columnsBody(c)), call(s, '/predict', columnsBody(c))]);
  assert.deepEqual([first.status, second.status].sort(), [200, 503]);
  const [ok, busy] = first.status === 200 ? [first, second] : [second, first];
  assert.equal(busy.headers.get('retry-after'), '1');
  assert.match(busy.json.error, /overloaded/);
  assert.ok(maxGap(ok.json.predictions, c.expected) <= 1e-5);
  const big = await call(s, '/predict', { inputs: { f0: new Array(2000).fill(1) } });
  assert.equal(big.status, 413);
});

test('reload swaps in a new graph file; a corrupt one is refused and the old graph keeps serving', async () => {
  const dir = scratchDir('serve-graph-reload');
  const file = join(dir, 'model.onnx');
  const first = graphCase('dcn_matrix_op13'),
    second = graphCase('dcn_matrix_op17');
  copyFileSync(first.path, file);
  const s = await serve({ ...first, path: file });
  const ask = async (c: GraphCase): Promise<number[]> => (await call(s, '/predict', columnsBody(c))).json.predictions;
  assert.ok(maxGap(await ask(first), first.expected) <= 1e-5);
  copyFileSync(second.path, file);
  await s.reload();
  assert.ok(maxGap(await ask(second), second.expected) <= 1e-5, 'the new graph answers');
  const bytes = readFileSync(file);
  writeFileSync(file, bytes.subarray(0, bytes.length >> 1));
  await assert.rejects(s.reload(), /model\.onnx/);
  assert.ok(maxGap(await ask(second), second.expected) <= 1e-5, 'the old graph still answers');
});
