/**
 * TensorProto -> HostArray: values from raw_data (little-endian) or from the typed repeated
 * fields, for the element types CTR graphs use. External data and unsupported types are errors.
 */
import { ModelFileError } from '../../util/errors.js';
import { DataType, DATA_EXTERNAL } from './schema.js';
import { hostArray, sizeOfShape, type ElemKind, type HostArray } from './host_array.js';

/** The decoded TensorProto fields read here (protobufjs toObject with longs as numbers). */
export interface TensorProtoObject {
  name?: string;
  dims?: number[];
  dataType?: number;
  floatData?: number[];
  int32Data?: number[];
  int64Data?: number[];
  doubleData?: number[];
  uint64Data?: number[];
  rawData?: Uint8Array;
  dataLocation?: number;
  externalData?: { key?: string; value?: string }[];
}

interface RawReader {
  kind: ElemKind;
  bytes: number;
  read(dv: DataView, at: number): number;
}

const RAW: Record<number, RawReader> = {
  [DataType.FLOAT]: { kind: 'float', bytes: 4, read: (dv, at) => dv.getFloat32(at, true) },
  [DataType.DOUBLE]: { kind: 'float', bytes: 8, read: (dv, at) => dv.getFloat64(at, true) },
  [DataType.INT64]: { kind: 'int', bytes: 8, read: (dv, at) => Number(dv.getBigInt64(at, true)) },
  [DataType.UINT64]: { kind: 'int', bytes: 8, read: (dv, at) => Number(dv.getBigUint64(at, true)) },
  [DataType.INT32]: { kind: 'int', bytes: 4, read: (dv, at) => dv.getInt32(at, true) },
  [DataType.UINT32]: { kind: 'int', bytes: 4, read: (dv, at) => dv.getUint32(at, true) },
  [DataType.INT16]: { kind: 'int', bytes: 2, read: (dv, at) => dv.getInt16(at, true) },
  [DataType.UINT16]: { kind: 'int', bytes: 2, read: (dv, at) => dv.getUint16(at, true) },
  [DataType.INT8]: { kind: 'int', bytes: 1, read: (dv, at) => dv.getInt8(at) },
  [DataType.UINT8]: { kind: 'int', bytes: 1, read: (dv, at) => dv.getUint8(at) },
  [DataType.BOOL]: { kind: 'bool', bytes: 1, read: (dv, at) => (dv.getUint8(at) ? 1 : 0) },
};

/** Which typed field holds each element type when raw_data is absent. */
function typedValues(t: TensorProtoObject, type: number): number[] | undefined {
  if (type === DataType.FLOAT) return t.floatData;
  if (type === DataType.DOUBLE) return t.doubleData;
  if (type === DataType.INT64) return t.int64Data;
  if (type === DataType.UINT64 || type === DataType.UINT32) return t.uint64Data;
  return t.int32Data; // int32, int16, int8, uint16, uint8, bool (and float16 bits, refused earlier)
}

/** Decodes `t`; `file` and `what` (e.g. "initializer 'W'") name it in errors. */
export function decodeTensorProto(t: TensorProtoObject, file: string, what: string): HostArray {
  const shape = (t.dims ?? []).map(Number);
  const type = t.dataType ?? 0;
  if (t.dataLocation === DATA_EXTERNAL || (t.externalData?.length ?? 0) > 0) {
    const loc = t.externalData?.find((e) => e.key === 'location')?.value;
    throw new ModelFileError(
      file,
      `${what} keeps its data in an external file${loc ? ` (${loc})` : ''}; ` +
        'slimctr reads single-file models: save the model with all tensors inside it (onnx.save(model, path, save_as_external_data=False))',
    );
  }
  const reader = RAW[type];
  if (!reader)
    throw new ModelFileError(
      file,
      `${what} has element type ${type}, which slimctr does not read (it reads float, double, int8-64, uint8-64 and bool)`,
    );
  const n = sizeOfShape(shape);
  if (shape.some((d) => !Number.isInteger(d) || d < 0))
    throw new ModelFileError(file, `${what} has a bad shape [${shape.join(', ')}]`);
  const raw = t.rawData;
  if (raw && raw.byteLength > 0) {
    if (raw.byteLength !== n * reader.bytes) {
      throw new ModelFileError(
        file,
        `${what}: raw_data holds ${raw.byteLength} bytes, shape [${shape.join(', ')}] needs ${n * reader.bytes}`,
      );
    }
    const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const out = reader.kind === 'float' ? new Float32Array(n) : new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = reader.read(dv, i * reader.bytes);
    return { kind: reader.kind, shape, data: out };
  }
  const values = typedValues(t, type) ?? [];
  if (values.length !== n) {
    throw new ModelFileError(file, `${what}: ${values.length} values stored, shape [${shape.join(', ')}] needs ${n}`);
  }
  return hostArray(reader.kind, shape, reader.kind === 'bool' ? values.map((v) => (v ? 1 : 0)) : values);
}
