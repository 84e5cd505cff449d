/**
 * Ranks and bit widths chosen together under a file-size budget (`--bytes`). Each target can be
 * factored (ranks, as select.ts) and stored in fewer bits: field tables in 8 or 4 bits per
 * element (one half-precision scale per row), Linear weights in int8 per output channel.
 * Greedy: repeatedly take the rank cut or bit drop that adds the least estimated output error per
 * byte saved, until the model file fits. The error of a target is the share of its output
 * variance its rank loses (the statistics pass) plus the relative squared error of storing its
 * weights in those bits (measured on its own weights); the report measures the real error on
 * held-out rows. First-order weights (one-wide tables) are stored in half precision outright. File
 * bytes are exact for the tensors, and the header's growth is bounded from above.
 */
import type { FieldEmbedding } from '../nn/field_embedding.js';
import { Linear } from '../nn/linear.js';
import type { Compressible } from '../nn/parts.js';
import type { CTRModel } from '../models/model.js';
import { firstOrderPaths, storageOf } from './quantize.js';
import { dequantizeRows, quantizeRows, roundChannels } from '../tensor/quantize.js';
import { UsageError } from '../util/errors.js';
import type { ModelStats } from './collect.js';
import type { StoredBits } from './plan.js';
import { factorPerField, selectionOf, type Selection, type SelectOptions } from './select.js';
import { DEFAULT_FIELD_ENERGY } from './rank_choice.js';
import { costing, nextCut, type Ranks, type Target, type TargetShape } from './targets.js';

type Width = 32 | 8 | 4;
type Bits = Map<string, Width>;

/** Header bytes a tensor entry may take (name, dtype, shape, offsets, alignment), and per target in the plan. */
const HEADER_PER_TENSOR = 160;
const HEADER_PER_TARGET = 48;
/** Rows of a table its quantization error is measured on (evenly spread). */
const ERROR_SAMPLE_ROWS = 20000;

export interface ByteBudget {
  /** The file must be at most this many bytes. */
  bytes: number;
  /** Bytes of the original's file that are not its parameters: encoders, buffers, metadata. */
  fixed: number;
}

/** Bytes of one target's tensors and their extra header entries. */
function shapeBytes(d: TargetShape, b: Width): number {
  const k = d.k;
  if (d.kind === 'table') return 4 * (k === null ? d.rows * d.dim : d.rows * k + k * d.dim + d.dim);
  if (d.kind === 'embedding') {
    const w = k ?? d.dim;
    const tables = b === 32 ? 4 * d.rows * w : d.rows * ((b === 8 ? w : Math.ceil(w / 2)) + 2);
    const recon = k === null ? 0 : 4 * d.fields * (k * d.dim + d.dim) + 2 * HEADER_PER_TENSOR;
    return tables + recon + (b === 32 ? 0 : d.fields * HEADER_PER_TENSOR + HEADER_PER_TARGET);
  }
  const per = b === 32 ? 4 : 1;
  const header = (k === null ? 0 : 2 * HEADER_PER_TENSOR + HEADER_PER_TARGET) + (b === 32 ? 0 : 2 * HEADER_PER_TENSOR);
  if (k === null)
    return per * d.inDim * d.outDim + (b === 32 ? 0 : 4 * d.outDim) + (d.bias ? 4 * d.outDim : 0) + header;
  return per * k * (d.inDim + d.outDim) + (b === 32 ? 0 : 4 * (k + d.outDim)) + 4 * (k + d.outDim) + header;
}

/** Relative squared error of storing each target's weights in each width (0 at 32 bits). */
function storageErrors(model: Compressible): (t: Target, b: Width) => number {
  const layers = new Map(model.parts().linears.map((s) => [s.path, s.get()]));
  const fields = model.parts().embedding?.get() ?? null;
  const memo = new Map<string, number>();
  return (t, b) => {
    if (b === 32) return 0;
    const key = `${t.path}:${b}`;
    let e = memo.get(key);
    if (e === undefined) {
      const l = layers.get(t.path);
      e = t.kind === 'embedding' && fields ? tableError(fields, b) : l instanceof Linear ? weightError(l) : Infinity;
      memo.set(key, e);
    }
    return e;
  };
}

function relative(a: Float32Array, b: Float32Array, centre: (j: number) => number): [number, number] {
  let err = 0,
    tot = 0;
  for (let i = 0; i < a.length; i++) {
    err += (a[i] - b[i]) ** 2;
    tot += (a[i] - centre(i)) ** 2;
  }
  return [err, tot];
}

function weightError(l: Linear): number {
  const W = l.W.toArray();
  const [err, tot] = relative(W, roundChannels(W, l.inDim, l.outDim), () => 0);
  return tot > 0 ? err / tot : 0;
}

/** Rows-weighted over the fields, as the rank's energy: each table's error over its variance around its mean row. */
function tableError(fields: FieldEmbedding, b: 8 | 4): number {
  const V = fields.fieldTables.reduce((s, t) => s + t.rows, 0);
  let sum = 0;
  for (const t of fields.fieldTables) {
    const step = Math.max(1, Math.floor(t.rows / ERROR_SAMPLE_ROWS));
    const n = Math.ceil(t.rows / step),
      D = t.dim;
    const E = new Float32Array(n * D);
    for (let i = 0; i < n; i++) E.set(t.readRows(i * step, i * step + 1), i * D);
    const mean = new Float64Array(D);
    for (let i = 0; i < E.length; i++) mean[i % D] += E[i] / n;
    const [err, tot] = relative(E, dequantizeRows(quantizeRows(E, n, D, b)), (i) => mean[i % D]);
    sum += (t.rows / V) * (tot > 0 ? err / tot : 0);
  }
  return sum;
}

/** Selects ranks and bits so the model file fits `budget`; throws a UsageError naming the smallest size reachable. */
export function selectForBytes(
  model: CTRModel,
  stats: ModelStats,
  o: Omit<SelectOptions, 'rank'>,
  budget: ByteBudget,
): Selection {
  const fuse = o.fuse ?? true;
  const c = costing(model, stats, fuse, o.only);
  const ranks: Ranks = new Map(c.targets.map((t) => [t.path, null]));
  const bits: Bits = new Map();
  const qerr = storageErrors(model);
  // First-order weights go to half precision outright: 2 bytes saved per weight, at an error far below any target's.
  const half = firstOrderPaths(model);
  const halfNames = storageOf(model, Object.fromEntries(half.map((p) => [p, 16]))).half;
  const halfWeights = model.namedTables().reduce((n, [name, t]) => n + (halfNames.has(name) ? t.rows * t.dim : 0), 0);
  const fixed = budget.fixed - 2 * halfWeights + HEADER_PER_TARGET * half.length;
  const fileBytes = (r: Ranks, w: Bits): number =>
    fixed + 4 * c.base + c.paths.reduce((s, p) => s + shapeBytes(c.describe(p, r)!, w.get(p) ?? 32), 0);
  const err = (t: Target, k: number | null, b: Width): number => (k === null ? 0 : t.lost(k)) + qerr(t, b);
  const before = budget.fixed + 4 * model.paramCount(); // the original's file
  let current = fileBytes(ranks, bits);
  while (current > budget.bytes) {
    let best: { path: string; k: number | null; b: Width; after: number; cost: number } | null = null;
    for (const t of c.targets) {
      const k = ranks.get(t.path) ?? null,
        b = bits.get(t.path) ?? 32;
      let cut = false; // from whole, only the largest rank that saves anything is a first cut (as select.ts)
      for (const [k2, b2] of moves(t, k, b)) {
        if (k2 !== k && cut) continue;
        const after = fileBytes(new Map(ranks).set(t.path, k2), new Map(bits).set(t.path, b2));
        if (after >= current) continue;
        if (k2 !== k) cut = true;
        const cost = (err(t, k2, b2) - err(t, k, b)) / (current - after);
        if (!best || cost < best.cost) best = { path: t.path, k: k2, b: b2, after, cost };
      }
    }
    if (!best) break;
    ranks.set(best.path, best.k);
    if (best.b !== 32) bits.set(best.path, best.b);
    current = best.after;
  }
  // As under --ratio: bytes are not compute, so layers run once per field that the budget left whole
  // (a partly factored attention layer runs each projection on its own) are factored at the rank keeping
  // DEFAULT_FIELD_ENERGY of their output, where that makes the file smaller still.
  const perField = factorPerField(c, ranks, DEFAULT_FIELD_ENERGY, (r) => fileBytes(r, bits));
  current = fileBytes(ranks, bits);
  const notes = perField.length
    ? [
        `layers run once per field, factored at the rank keeping ${DEFAULT_FIELD_ENERGY} of their output: ${perField.join(', ')}`,
      ]
    : [];
  if (current > budget.bytes)
    throw new UsageError(
      `--bytes ${budget.bytes}: the smallest file this model can be compressed to is about ${current} bytes ` +
        `(every target at rank 1 and its fewest bits; encoders, metadata and the weights no target holds take ${fixed + 4 * c.base})`,
    );
  const stored = { ...Object.fromEntries(bits), ...Object.fromEntries(half.map((p) => [p, 16])) };
  return selectionOf(
    model,
    c,
    ranks,
    { method: o.method, fuse, bits: stored as Record<string, StoredBits> },
    { budget: null, notes, bytes: { budget: budget.bytes, before, after: current } },
  );
}

/** The next steps from (k, b): the largest rank cut that could save bytes, and one bit drop. */
function moves(t: Target, k: number | null, b: Width): [number | null, Width][] {
  const out: [number | null, Width][] = [];
  if (k === null) for (let r = t.maxRank; r >= 1; r--) out.push([r, b]);
  else if (k > 1) out.push([nextCut(k), b]);
  if (t.kind === 'layer' && b === 32) out.push([k, 8]);
  if (t.kind === 'embedding' && b !== 4) out.push([k, b === 32 ? 8 : 4]);
  return out;
}
