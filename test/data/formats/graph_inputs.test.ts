import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { readGraphData } from '../../../src/data/formats/graph_data.js';
import { readNpz } from '../../../src/data/formats/npz.js';
import type { OnnxValueInfo } from '../../../src/io/onnx/read.js';
import { DataError } from '../../../src/util/errors.js';
import { fixturePath } from '../../models/onnx/fixture_files.js';
import { scratchDir } from '../../train/toy_data.js';

/** .npy bytes (format 1.0) for `descr` ('<f4', '<i8', ...), shape and values. */
function npy(descr: string, shape: number[], values: number[], fortran = false): Uint8Array {
  let header = `{'descr': '${descr}', 'fortran_order': ${fortran ? 'True' : 'False'}, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n';
  const size = Number(descr.slice(2));
  const out = new Uint8Array(10 + header.length + values.length * size);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  const dv = new DataView(out.buffer);
  dv.setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  values.forEach((v, i) => {
    const at = 10 + header.length + i * size;
    if (descr === '<f4') dv.setFloat32(at, v, true);
    else if (descr === '<f8') dv.setFloat64(at, v, true);
    else if (descr === '<i4') dv.setInt32(at, v, true);
    else if (descr === '<i8') dv.setBigInt64(at, BigInt(v), true);
    else dv.setUint16(at, v, true);
  });
  return out;
}

const dir = scratchDir('npz');
function npz(name: string, arrays: Record<string, Uint8Array>, level = 0): string {
  const file = join(dir, name);
  writeFileSync(
    file,
    zipSync(Object.fromEntries(Object.entries(arrays).map(([k, v]) => [`${k}.npy`, v])), { level: level as 0 }),
  );
  return file;
}

const specs: OnnxValueInfo[] = [
  { name: 'ids', elemType: 7, dims: ['batch', 2] },
  { name: 'dense', elemType: 1, dims: ['batch'] },
];

test('.npz written by numpy reads back (stored and deflated), int64/int32/float32/float64', () => {
  const a = readNpz(fixturePath('deepfm_matrix_op13', '.inputs.npz')); // np.savez_compressed (deflate)
  const b = readNpz(fixturePath('deepfm_matrix_op17', '.inputs.npz')); // np.savez (stored)
  for (const m of [a, b]) {
    assert.deepEqual([...m.keys()].sort(), ['dense', 'ids', 'label']);
    assert.equal(m.get('ids')!.kind, 'int');
    assert.deepEqual(m.get('ids')!.shape, [8, 3]);
    assert.equal(m.get('dense')!.kind, 'float');
  }
  const file = npz(
    'kinds.npz',
    {
      ids: npy('<i4', [3, 2], [0, 1, 2, 3, 4, 5]),
      dense: npy('<f8', [3], [0.5, -1, 1e-3]),
      label: npy('<i8', [3], [1, 0, 1]),
    },
    6,
  );
  const d = readGraphData(file, specs);
  assert.equal(d.rows, 3);
  assert.deepEqual([...d.inputs.get('ids')!.data], [0, 1, 2, 3, 4, 5]);
  assert.deepEqual([...d.inputs.get('dense')!.data], [0.5, -1, Math.fround(1e-3)]);
  assert.deepEqual([...d.labels!], [1, 0, 1]);
});

test('bad .npz input names the array and what was expected', () => {
  const ok = { ids: npy('<i8', [2, 2], [0, 1, 2, 3]), dense: npy('<f4', [2], [1, 2]) };
  const cases: [string, Record<string, Uint8Array>, RegExp][] = [
    [
      'missing.npz',
      { ids: ok.ids },
      /array 'dense': is missing: the graph input 'dense' needs float \[batch\] \(the file has ids\)/,
    ],
    [
      'dtype.npz',
      { ...ok, ids: npy('<f4', [2, 2], [0, 1, 2, 3]) },
      /array 'ids': is float \[2, 2\], the graph input needs integer \[batch, 2\]/,
    ],
    [
      'shape.npz',
      { ...ok, ids: npy('<i8', [2, 3], [0, 1, 2, 3, 4, 5]) },
      /array 'ids': has shape \[2, 3\], the graph input needs integer \[batch, 2\]/,
    ],
    ['rank.npz', { ...ok, dense: npy('<f4', [2, 1], [1, 2]) }, /array 'dense': has shape \[2, 1\]/],
    ['rows.npz', { ...ok, dense: npy('<f4', [3], [1, 2, 3]) }, /array 'dense': has 3 rows but 'ids' has 2/],
    ['label.npz', { ...ok, label: npy('<f4', [2], [1, 0.5]) }, /array 'label': value 0.5 at row 1 is not 0 or 1/],
    [
      'nan.npz',
      { ...ok, dense: npy('<f4', [2], [1, NaN]) },
      /array 'dense': value NaN at flat index 1 is not a finite number/,
    ],
    ['fortran.npz', { ...ok, ids: npy('<i8', [2, 2], [0, 1, 2, 3], true) }, /array 'ids': is in Fortran order/],
    ['f16.npz', { ...ok, dense: npy('<f2', [2], [1, 2]) }, /array 'dense': dtype <f2 is not supported/],
    [
      'short.npz',
      { ...ok, dense: npy('<f4', [2], [1, 2]).subarray(0, 100) },
      /array 'dense': holds \d+ data bytes, shape \(2\) of <f4 needs 8|truncated/,
    ],
  ];
  for (const [name, arrays, re] of cases) {
    const file = npz(name, arrays);
    assert.throws(
      () => readGraphData(file, specs),
      (e: unknown) => e instanceof DataError && e.message.startsWith(file) && re.test(e.message),
      `${name}`,
    );
  }
  const junk = join(dir, 'junk.npz');
  writeFileSync(junk, 'not a zip at all');
  assert.throws(() => readGraphData(junk, specs), /junk\.npz: not a readable \.npz file/);
  assert.throws(() => readGraphData(join(dir, 'x.parquet'), specs), /read from \.npz \(np\.savez\) or \.csv files/);
});

test('CSV with a header: a column per [B] input, NAME.0..NAME.{n-1} for [B, n]; bad cells name line and column', () => {
  const csv = (name: string, text: string): string => {
    const file = join(dir, name);
    writeFileSync(file, text);
    return file;
  };
  const good = csv('good.csv', 'label,dense,ids.0,ids.1\n1,0.5,3,4\n0,-2,5,6\n');
  const d = readGraphData(good, specs);
  assert.equal(d.rows, 2);
  assert.deepEqual(d.inputs.get('ids')!.shape, [2, 2]);
  assert.deepEqual([...d.inputs.get('ids')!.data], [3, 4, 5, 6]);
  assert.deepEqual([...d.inputs.get('dense')!.data], [0.5, -2]);
  assert.deepEqual([...d.labels!], [1, 0]);
  assert.throws(
    () => readGraphData(csv('nocol.csv', 'dense,ids.0\n1,2\n'), specs),
    /nocol\.csv:1: no column 'ids\.1' for the graph input 'ids' \(integer \[batch, 2\]\); the header has dense, ids\.0/,
  );
  assert.throws(
    () => readGraphData(csv('cell.csv', 'dense,ids.0,ids.1\n1,2,3\n1,2.5,3\n'), specs),
    /cell\.csv:3:2: column 'ids\.0': '2\.5' is not an integer/,
  );
  assert.throws(
    () => readGraphData(csv('nan.csv', 'dense,ids.0,ids.1\nx,2,3\n'), specs),
    /nan\.csv:2:1: column 'dense': 'x' is not a number/,
  );
  assert.throws(
    () => readGraphData(csv('ragged.csv', 'dense,ids.0,ids.1\n1,2\n'), specs),
    /ragged\.csv:2: 2 cells, the header has 3/,
  );
  assert.throws(() => readGraphData(csv('empty.csv', ''), specs), /empty\.csv:1: the file is empty/);
  assert.throws(
    () => readGraphData(csv('sym.csv', 'a\n1\n'), [{ name: 'a', elemType: 1, dims: ['batch', 'n'] }]),
    /CSV holds inputs of shape \[B\], \[B, 1\] or \[B, n\] only/,
  );
});
