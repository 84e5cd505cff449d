/**
 * A tensor held in plain JavaScript memory, as decoded from an ONNX file or computed from shapes:
 * float values in a Float32Array (float64 sources are rounded to float32, the precision slimctr
 * computes in), integers and booleans in a Float64Array (exact up to 2^53, enough for ids, shapes
 * and the int64 sentinels Slice uses).
 */
export type ElemKind = 'float' | 'int' | 'bool';

export interface HostArray {
  kind: ElemKind;
  shape: number[];
  data: Float32Array | Float64Array;
}

export function sizeOfShape(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** A host array of `kind` holding `values` with `shape`. */
export function hostArray(kind: ElemKind, shape: readonly number[], values: ArrayLike<number>): HostArray {
  const data = kind === 'float' ? Float32Array.from(values) : Float64Array.from(values);
  return { kind, shape: [...shape], data };
}

/** "float [2, 3]": for error messages. */
export function describeHost(a: HostArray): string {
  return `${a.kind} [${a.shape.join(', ')}]`;
}
