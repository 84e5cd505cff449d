/**
 * `slimctr inspect` on a libsvm file: one pass that keeps per-position index ranges and row
 * shapes (never anything per distinct index), to tell a one-hot file (every value 1, the same
 * number of features on every row: libFM / FNN releases such as Frappe and iPinYou) from a
 * numeric one, and to propose a field map for it. Positions whose index never changes are
 * constant fields: flagged and left out of the proposal.
 */
import { readLineChunks } from './formats/chunks.js';

/** Positions tracked at most (a one-hot file has one per field). */
const MAX_POSITIONS = 4096;

export interface SparseShape {
  rows: number;
  positives: number;
  minFeatures: number;
  maxFeatures: number;
  /** Every value is 1. */
  allOnes: boolean;
  maxIndex: number;
  /** Per position k (k-th feature of a row): smallest and largest index, and whether it changes. */
  positions: { min: number; max: number; varies: boolean }[];
}

/** One pass over a libsvm file; lines that are not `label idx:value ...` go to `onBad`. */
export async function scanSparseShape(file: string, onBad: (line: number, text: string) => void): Promise<SparseShape> {
  const s: SparseShape = {
    rows: 0,
    positives: 0,
    minFeatures: Infinity,
    maxFeatures: 0,
    allOnes: true,
    maxIndex: -1,
    positions: [],
  };
  let line = 0;
  let rest = '';
  const take = (text: string): void => {
    line++;
    const toks = text.trim().split(/\s+/);
    if (toks.length === 1 && toks[0] === '') return;
    const label = Number(toks[0]);
    const feats = toks.slice(1);
    const parsed = feats.map((t) => {
      const c = t.indexOf(':');
      return c > 0 && t.indexOf(':', c + 1) < 0 && /^\d+$/.test(t.slice(0, c))
        ? [Number(t.slice(0, c)), Number(t.slice(c + 1))]
        : null;
    });
    if (!Number.isFinite(label) || parsed.some((p) => p === null || Number.isNaN(p[1]))) {
      onBad(line, text);
      return;
    }
    s.rows++;
    if (label === 1) s.positives++;
    s.minFeatures = Math.min(s.minFeatures, feats.length);
    s.maxFeatures = Math.max(s.maxFeatures, feats.length);
    parsed.forEach((p, k) => {
      const [index, value] = p!;
      if (value !== 1) s.allOnes = false;
      if (index > s.maxIndex) s.maxIndex = index;
      if (k >= MAX_POSITIONS) return;
      const pos = s.positions[k];
      if (!pos) s.positions[k] = { min: index, max: index, varies: false };
      else {
        if (index !== pos.min || index !== pos.max) pos.varies = true;
        pos.min = Math.min(pos.min, index);
        pos.max = Math.max(pos.max, index);
      }
    });
  };
  for await (const { buf } of readLineChunks(file)) {
    const lines = (rest + buf.toString('utf8')).split('\n');
    rest = lines.pop() ?? '';
    lines.forEach(take);
  }
  if (rest) take(rest);
  if (s.rows === 0) s.minFeatures = 0;
  return s;
}

/** One-hot: every value 1 and the same number of features on every row. */
export function isOneHot(s: SparseShape): boolean {
  return s.rows > 0 && s.allOnes && s.minFeatures === s.maxFeatures && s.maxFeatures > 0;
}

/** Positions whose index ranges follow one another without overlap (fields laid out in index order). */
export function rangesDisjoint(s: SparseShape): boolean {
  return s.positions.every((p, k) => k === 0 || p.min > s.positions[k - 1].max);
}

/** The proposal for a one-hot file: a positional field map, and the varying fields as categorical columns. */
export function oneHotProposal(s: SparseShape): {
  field_map: Record<string, unknown>;
  categorical: Record<string, unknown>;
  constant: string[];
} {
  const categorical: Record<string, unknown> = {};
  const constant: string[] = [];
  s.positions.forEach((p, k) => {
    if (p.varies) categorical[`f${k}`] = null;
    else constant.push(`f${k}`);
  });
  return { field_map: { by: 'position', fields: s.maxFeatures }, categorical, constant };
}
