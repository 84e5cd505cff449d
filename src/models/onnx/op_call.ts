/** What an op implementation receives: its node, its input values, its attributes, and helpers. */
import type { AttrValue } from '../../io/onnx/read.js';
import type { HostArray } from '../../io/onnx/host_array.js';
import { nodeError, numbers, type NodeContext, type Value } from './values.js';

export interface OpCall extends NodeContext {
  /** Input values in node order; an omitted optional input is undefined. */
  inputs: (Value | undefined)[];
}

/** An op: its outputs in node order (trailing optional outputs may be left out). */
export type OpFn = (c: OpCall) => Value[];

export function input(c: OpCall, i: number): Value {
  const v = c.inputs[i];
  if (v === undefined) throw nodeError(c, `input ${i} is required`);
  return v;
}

export function attr(c: OpCall, name: string): AttrValue | undefined {
  return c.node.attrs.get(name);
}

/** A numeric attribute (int or float), or `fallback` when absent. */
function attrNumber(c: OpCall, name: string, fallback: number): number {
  const v = attr(c, name);
  if (v === undefined) return fallback;
  if (typeof v !== 'number') throw nodeError(c, `attribute '${name}' must be a number`);
  return v;
}

/** Integer and float attributes read alike (both are numbers here); two names for the reader. */
export const attrInt = attrNumber;
export const attrFloat = attrNumber;

export function attrInts(c: OpCall, name: string): number[] | undefined {
  const v = attr(c, name);
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'number'))
    throw nodeError(c, `attribute '${name}' must be a list of integers`);
  return v as number[];
}

export function attrTensor(c: OpCall, name: string): HostArray | undefined {
  const v = attr(c, name);
  if (v === undefined || (typeof v === 'object' && !Array.isArray(v))) return v as HostArray | undefined;
  throw nodeError(c, `attribute '${name}' must be a tensor`);
}

/** A list of integers given as input `i` (opsets that moved it there) or else as attribute `name`. */
export function intsFrom(c: OpCall, i: number, name: string): number[] | undefined {
  const v = c.inputs[i];
  if (v !== undefined) return numbers(v);
  return attrInts(c, name);
}
