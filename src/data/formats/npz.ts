/**
 * NumPy `.npz` files (what `np.savez` / `np.savez_compressed` write): a zip of `.npy` arrays,
 * read with fflate. Arrays must be C-ordered little-endian float32/float64/int32/int64 (or bool);
 * anything else is a DataError naming the file and the array.
 */
import { readFileSync } from 'node:fs';
import { unzipSync } from 'fflate';
import { hostArray, sizeOfShape, type HostArray } from '../../io/onnx/host_array.js';
import { DataError } from '../../util/errors.js';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

type Dtype = { kind: HostArray['kind']; bytes: number; read: (dv: DataView, at: number) => number };

const DTYPES: Record<string, Dtype> = {
  '<f4': { kind: 'float', bytes: 4, read: (dv, at) => dv.getFloat32(at, true) },
  '<f8': { kind: 'float', bytes: 8, read: (dv, at) => dv.getFloat64(at, true) },
  '<i4': { kind: 'int', bytes: 4, read: (dv, at) => dv.getInt32(at, true) },
  '<i8': { kind: 'int', bytes: 8, read: (dv, at) => Number(dv.getBigInt64(at, true)) },
  '|b1': { kind: 'bool', bytes: 1, read: (dv, at) => dv.getUint8(at) },
};

/** Decodes one `.npy` file's bytes; `file` and `name` (the array) name it in errors. */
function decodeNpy(b: Uint8Array, file: string, name: string): HostArray {
  const fail = (detail: string): DataError => new DataError(file, 0, 0, `array '${name}': ${detail}`);
  if (b.length < 10 || MAGIC.some((m, i) => b[i] !== m)) throw fail('not a .npy array (bad magic bytes)');
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const major = b[6];
  const headerLen = major === 1 ? dv.getUint16(8, true) : dv.getUint32(8, true);
  const start = major === 1 ? 10 : 12;
  if (start + headerLen > b.length) throw fail('truncated header');
  const header = new TextDecoder().decode(b.subarray(start, start + headerLen));
  const descr = /'descr':\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined)
    throw fail(`unreadable header ${header.trim()}`);
  const dtype = DTYPES[descr];
  if (!dtype) throw fail(`dtype ${descr} is not supported (float32, float64, int32, int64, bool; little-endian)`);
  if (fortran === 'True') throw fail('is in Fortran order; save it C-ordered (np.ascontiguousarray)');
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(Number);
  const n = sizeOfShape(shape),
    data = start + headerLen;
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) throw fail(`bad shape (${shapeText})`);
  if (b.length - data !== n * dtype.bytes)
    throw fail(`holds ${b.length - data} data bytes, shape (${shape.join(', ')}) of ${descr} needs ${n * dtype.bytes}`);
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = dtype.read(dv, data + i * dtype.bytes);
  return hostArray(dtype.kind, shape, values);
}

/** Reads every array of an `.npz` file, by name (the `.npy` suffix dropped), in file order. */
export function readNpz(file: string): Map<string, HostArray> {
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(readFileSync(file));
  } catch (e) {
    throw new DataError(file, 0, 0, `not a readable .npz file (${(e as Error).message})`);
  }
  const out = new Map<string, HostArray>();
  for (const [entry, bytes] of Object.entries(files)) {
    const name = entry.replace(/\.npy$/, '');
    out.set(name, decodeNpy(bytes, file, name));
  }
  return out;
}
