/**
 * Storing a model in fewer bits (plan.bits, after the ranks are installed):
 * - 'embedding': every field table becomes a QuantizedTable of 8 or 4 bits per element (one scale
 *   per row); lookups widen the rows they fetch, so tables stay small in memory too;
 * - a Linear's path: the weights of every Linear under it (both factors once factored) are rounded
 *   to int8 per output channel. Files store the int8 levels; in memory the rounded weights run as
 *   float32, so the GEMM kernels stay as they are;
 * - a first-order term's path (16): its per-id weights (one-wide tables, too narrow for per-row
 *   scales) are rounded to half precision, and files store them in 16 bits.
 * Rounding again gives the same values, so saving and loading a quantized model changes nothing.
 */
import type { EmbeddingStore } from '../embedding/store.js';
import type { CTRModel } from '../models/model.js';
import { Linear } from '../nn/linear.js';
import { LinearTerm } from '../nn/linear_term.js';
import type { Module } from '../nn/module.js';
import { halfRound } from '../tensor/half.js';
import { roundChannels } from '../tensor/quantize.js';
import type { StoredBits } from './plan.js';

/** What `--quantize` may ask: int8 (tables and Linear weights in 8 bits) or int4 (tables in 4, Linear weights in 8). */
export const QUANTIZE = ['int8', 'int4'] as const;
export type Quantize = (typeof QUANTIZE)[number];

/** Paths of the model's first-order terms (their weights go to half precision whenever a model is quantized). */
export function firstOrderPaths(model: Module): string[] {
  return model
    .namedModules()
    .filter(([, m]) => m instanceof LinearTerm)
    .map(([p]) => p);
}

/** Bits for every target of a selection under `--quantize` (the field embeddings, each Linear target, first-order weights). */
export function bitsFor(
  model: Module,
  targets: readonly { kind: string; path: string }[],
  q: Quantize,
): Record<string, StoredBits> {
  const out: Record<string, StoredBits> = {};
  for (const t of targets) {
    if (t.kind === 'embedding') out.embedding = q === 'int4' ? 4 : 8;
    else if (t.kind === 'layer') out[t.path] = 8;
  }
  for (const p of firstOrderPaths(model)) out[p] = 16;
  return out;
}

/** A plan's bits in words: 'int8', 'int4 tables + int8 weights', 'int8 weights', ... (half-precision first-order weights go unsaid). */
export function bitsLabel(bits: Readonly<Record<string, StoredBits>>): string {
  const table = bits.embedding;
  const weights = Object.entries(bits).some(([p, b]) => p !== 'embedding' && b === 8);
  if (table === 8 && weights) return 'int8';
  return [table ? `int${table} tables` : '', weights ? 'int8 weights' : ''].filter(Boolean).join(' + ') || 'fp16';
}

/** The modules at or under `path`. */
function under(model: Module, path: string): [string, Module][] {
  return model.namedModules().filter(([p]) => p === path || p.startsWith(`${path}.`));
}

/** How a model file stores a quantized model's tensors: weight params in int8, table names in half precision. */
export interface Storage {
  int8: Set<string>;
  half: Set<string>;
}

/** The tensor names `bits` stores in int8 or half precision (as the model's tensors are named). */
export function storageOf(model: Module, bits: Readonly<Record<string, StoredBits>> | undefined): Storage {
  const out: Storage = { int8: new Set(), half: new Set() };
  for (const [path, b] of Object.entries(bits ?? {})) {
    if (b === 16) for (const [name] of model.namedTables()) if (name.startsWith(`${path}.`)) out.half.add(name);
    if (b === 8 && path !== 'embedding')
      for (const [p, m] of under(model, path)) if (m instanceof Linear) out.int8.add(`${p}.W`);
  }
  return out;
}

/**
 * Installs `bits`: Linear weights are rounded to int8 and first-order weights to half precision
 * (the tensors storageOf names), and field tables become quantized tables holding their current
 * rows (loading a model file then replaces them with the file's levels).
 */
export function applyBits(model: CTRModel, bits: Readonly<Record<string, StoredBits>>, store: EmbeddingStore): void {
  const { int8, half } = storageOf(model, bits);
  for (const [name, p] of model.namedParams())
    if (int8.has(name)) p.assign(roundChannels(p.toArray(), p.shape[0], p.shape[1]));
  for (const [name, t] of model.namedTables()) if (half.has(name)) t.writeRows(t.readRows().map(halfRound));
  const b = bits.embedding;
  if (b === undefined) return;
  const fields = model.parts().embedding?.get();
  if (!fields) throw new Error(`internal: compress: ${model.kind} has no field embeddings to quantize`);
  fields.fieldTables.forEach((t, f) => fields.replaceTable(f, store.quantize(t, b as 8 | 4)));
}
