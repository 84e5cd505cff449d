/**
 * Synthetic Criteo-shaped TSV (label, I1..I13, C1..C26; or CSV with that header), deterministic by seed: Zipf-like
 * categorical vocabularies (several with 1M+ values), missing cells, heavy-tailed integers,
 * and labels from a planted logistic model with first-order weights plus pairwise field
 * interactions, so that interaction models beat logistic regression.
 */
import { gzipSync } from 'node:zlib';
import { AtomicFileWriter } from '../io/atomic_stream.js';
import { rng } from './batch.js';

export interface SynthOptions {
  rows: number;
  seed?: number;
  /** Write gzip (by stream) instead of plain text. */
  gzip?: boolean;
  /** CSV with a header line (label,I1..I13,C1..C26) instead of headerless Criteo TSV. */
  csv?: boolean;
  /** When aborted, writing stops after the current chunk and the file is not written (writeSynth). */
  signal?: AbortSignal;
}

/** Vocabulary size per categorical field (C1..C26): mixes tiny, mid and 1M+ fields. */
const SYNTH_VOCAB = [
  1460, 583, 10_131_227, 2_202_608, 305, 24, 12_517, 633, 3, 93_145, 5_683, 8_351_593, 3_194, 27, 14_992, 5_461_306, 10,
  5_652, 2_173, 4, 7_046_547, 18, 15, 286_181, 105, 142_572,
];
/** Missing rate per field: I1..I13 then C1..C26. */
const MISSING = [
  0.45,
  0,
  0.2,
  0.2,
  0.03,
  0.22,
  0.04,
  0,
  0.04,
  0.45,
  0.04,
  0.76,
  0.2,
  ...Array(26)
    .fill(0)
    .map((_, i) => (i % 5 === 4 ? 0.3 : i % 7 === 3 ? 0.1 : 0)),
];
/** Field pairs with planted interactions (0-based categorical fields). */
const PAIRS: [number, number][] = [
  [0, 5],
  [1, 13],
  [4, 16],
  [8, 19],
  [6, 22],
  [13, 25],
];

function mix(a: number, b: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ b;
  h = Math.imul(h ^ (h >>> 15), 0xc2b2ae35);
  h ^= h >>> 13;
  h = Math.imul(h, 0x27d4eb2f);
  return (h ^ (h >>> 16)) >>> 0;
}
/** Deterministic weight in [-scale, scale] for a key. */
const weight = (a: number, b: number, scale: number): number => ((mix(a, b) / 4294967296) * 2 - 1) * scale;

function hex8(v: number): string {
  return v.toString(16).padStart(8, '0');
}

/** Generates `rows` lines, calling `emit` with text chunks of about 1 MB. */
export function generateSynth(opts: SynthOptions, emit: (text: string) => void): { positives: number } {
  const chunks = synthChunks(opts);
  for (let c = chunks.next(); ; c = chunks.next()) {
    if (c.done) return c.value;
    emit(c.value);
  }
}

/** The rows as text chunks of about 1 MB; returns the number of positive labels. */
function* synthChunks(opts: SynthOptions): Generator<string, { positives: number }> {
  const rand = rng(opts.seed ?? 1);
  let positives = 0;
  const sep = opts.csv ? ',' : '\t';
  let out = opts.csv
    ? `label,${Array.from({ length: 13 }, (_, i) => `I${i + 1}`).join(',')},${Array.from({ length: 26 }, (_, i) => `C${i + 1}`).join(',')}\n`
    : '';
  const ids = new Int32Array(26);
  for (let r = 0; r < opts.rows; r++) {
    let logit = -1.6;
    const cells: string[] = [];
    for (let f = 0; f < 13; f++) {
      if (rand() < MISSING[f]) {
        cells.push('');
        continue;
      }
      // Heavy tail: exp of a scaled normal-ish draw, some fields can be -1/-2 (like Criteo I2).
      const z = (rand() + rand() + rand() - 1.5) * 2;
      let v = Math.floor(Math.exp(z * (1 + (f % 4) * 0.6))) - (f === 1 ? 3 : 0);
      if (f === 4) v *= 37;
      cells.push(String(v));
      logit += weight(f, 1000, 0.15) * Math.log1p(Math.max(v, 0));
    }
    for (let f = 0; f < 26; f++) {
      const V = SYNTH_VOCAB[f];
      // Zipf-like: log-uniform rank in [1, V].
      const id = Math.min(V, Math.floor(Math.exp(rand() * Math.log(V + 1)))) - 1;
      ids[f] = id;
      if (rand() < MISSING[13 + f]) {
        ids[f] = -1;
        cells.push('');
        continue;
      }
      cells.push(hex8(mix(f + 77, id)));
      logit += weight(f, id, 0.5);
    }
    for (const [a, b] of PAIRS) if (ids[a] >= 0 && ids[b] >= 0) logit += weight(mix(a, ids[a]), mix(b, ids[b]), 1.2);
    const y = rand() < 1 / (1 + Math.exp(-logit)) ? 1 : 0;
    positives += y;
    out += `${y}${sep}${cells.join(sep)}\n`;
    if (out.length > 1 << 20) {
      yield out;
      out = '';
    }
  }
  if (out) yield out;
  return { positives };
}

/**
 * Writes synthetic data to `file` (gzip when opts.gzip), atomically: the file appears when every row
 * is written. An aborted `opts.signal` stops it between chunks (the file is then not written) and rejects.
 */
export async function writeSynth(file: string, opts: SynthOptions): Promise<{ positives: number }> {
  const out = await AtomicFileWriter.open(file);
  try {
    const chunks = synthChunks(opts);
    for (let c = chunks.next(); ; c = chunks.next()) {
      opts.signal?.throwIfAborted();
      if (c.done) {
        await out.commit();
        return c.value;
      }
      // Each chunk is its own gzip member: a gzip reader reads the members as one stream.
      await out.write(opts.gzip ? gzipSync(c.value) : c.value);
    }
  } catch (err) {
    await out.abort();
    throw err;
  }
}
