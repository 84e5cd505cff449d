/**
 * Storing a model's compression targets in fewer bits (plan.bits, after the ranks are installed):
 * - 'embedding': every field table becomes a QuantizedTable of 8 or 4 bits per element (per-row
 *   scale and offset); lookups widen the rows they fetch, so tables stay small in memory too;
 * - a Linear's path: the weights of every Linear under it (both factors once factored) are rounded
 *   to int8 per output channel. Files store the int8 levels; in memory the rounded weights run as
 *   float32, so the GEMM kernels stay as they are. Rounding again gives the same levels, so saving
 *   and loading a quantized model changes nothing.
 */
import type { EmbeddingStore } from '../embedding/store.js';
import type { CTRModel } from '../models/model.js';
import { Linear } from '../nn/linear.js';
import type { Module } from '../nn/module.js';
import { dequantizeChannels, quantizeChannels } from '../tensor/quantize.js';
import type { StoredBits } from './plan.js';

/** What `--quantize` may ask: int8 (tables and Linear weights in 8 bits) or int4 (tables in 4, Linear weights in 8). */
export const QUANTIZE = ['int8', 'int4'] as const;
export type Quantize = (typeof QUANTIZE)[number];

/** Bits for every target of a selection under `--quantize` (the field embeddings and each Linear target). */
export function bitsFor(targets: readonly { kind: string; path: string }[], q: Quantize): Record<string, StoredBits> {
  const out: Record<string, StoredBits> = {};
  for (const t of targets) {
    if (t.kind === 'embedding') out.embedding = q === 'int4' ? 4 : 8;
    else if (t.kind === 'layer') out[t.path] = 8;
  }
  return out;
}

/** A plan's bits in words: 'int8', 'int4 tables + int8 weights', 'int8 weights', ... */
export function bitsLabel(bits: Readonly<Record<string, StoredBits>>): string {
  const table = bits.embedding;
  const weights = Object.keys(bits).some((p) => p !== 'embedding');
  if (table === 8 && weights) return 'int8';
  return [table ? `int${table} tables` : '', weights ? 'int8 weights' : ''].filter(Boolean).join(' + ');
}

/** The Linear layers at or under `path`, with their weight's parameter name. */
function linearsUnder(model: Module, path: string): [string, Linear][] {
  return model
    .namedModules()
    .filter(([p, m]) => m instanceof Linear && (p === path || p.startsWith(`${path}.`)))
    .map(([p, m]) => [`${p}.W`, m as Linear]);
}

/** Names of the weight parameters `bits` stores in int8 (as the model's tensors are named). */
export function int8Weights(model: Module, bits: Readonly<Record<string, StoredBits>> | undefined): Set<string> {
  const out = new Set<string>();
  for (const path of Object.keys(bits ?? {}))
    if (path !== 'embedding') for (const [name] of linearsUnder(model, path)) out.add(name);
  return out;
}

/** Rounds each weight to its int8 per-channel value, in place. */
function roundToInt8(l: Linear): void {
  l.W.assign(dequantizeChannels(quantizeChannels(l.W.toArray(), l.inDim, l.outDim)));
}

/**
 * Installs `bits`: field tables become quantized tables holding their current rows (loading a
 * model file then replaces them with the file's levels), Linear weights are rounded to int8.
 */
export function applyBits(model: CTRModel, bits: Readonly<Record<string, StoredBits>>, store: EmbeddingStore): void {
  for (const [path, b] of Object.entries(bits)) {
    if (path !== 'embedding') {
      for (const [, l] of linearsUnder(model, path)) roundToInt8(l);
      continue;
    }
    const fields = model.parts().embedding?.get();
    if (!fields) throw new Error(`internal: compress: ${model.kind} has no field embeddings to quantize`);
    fields.fieldTables.forEach((t, f) => fields.replaceTable(f, store.quantize(t, b)));
  }
}
