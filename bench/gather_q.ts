/**
 * `npm run bench -- gather_q [--backends wasm,native]`: inference gather (lookupFields, no
 * gradients) of 26 tables x 100k rows x 16 at batch 4096, from float32 tables beside the same rows
 * stored in int8 and in int4 (dequantized by gather_rows_q as they are fetched), for uniform and
 * Zipf-like ids, every backend, 1 and 2 threads. The three layouts are timed in interleaved short
 * bursts (median of the bursts), so their ratios come from the same minutes of a shared machine.
 */
import { availableParallelism } from 'node:os';
import { lookupFields } from '../src/autograd/index.js';
import { EmbeddingStore } from '../src/embedding/store.js';
import type { EmbeddingTable } from '../src/embedding/table.js';
import { initEngine } from '../src/kernels/engine.js';
import { Rng } from '../src/tensor/rng.js';
import { tidy } from '../src/tensor/tensor.js';
import { benchBackends, kernelsOf, loadAverage, report, type Row } from './report.js';

const FIELDS = 26,
  ROWS = 100_000,
  DIM = 16,
  BATCH = 4096;
const LAYOUTS = ['float32', 'int8', 'int4'] as const;

/** The same random rows as float32, int8 and int4 tables. */
function tables(store: EmbeddingStore, rng: Rng): Record<(typeof LAYOUTS)[number], EmbeddingTable[]> {
  const out = { float32: [] as EmbeddingTable[], int8: [] as EmbeddingTable[], int4: [] as EmbeddingTable[] };
  for (let f = 0; f < FIELDS; f++) {
    const values = Float32Array.from({ length: ROWS * DIM }, () => rng.normal() * 0.01);
    const t = store.create(`C${f + 1}`, ROWS, DIM, 0);
    t.writeRows(values);
    out.float32.push(t);
    for (const [layout, bits] of [
      ['int8', 8],
      ['int4', 4],
    ] as const) {
      const q = store.createQuantized(`C${f + 1}_${layout}`, ROWS, DIM, bits);
      q.writeRows(values);
      out[layout].push(q);
    }
  }
  return out;
}

/** Median seconds per call of each of `fns`, timed in alternating ~150 ms bursts for ~`seconds` in all. */
function interleaved(fns: (() => void)[], seconds: number): number[] {
  const times: number[][] = fns.map(() => []);
  for (const fn of fns) for (let i = 0; i < 3; i++) fn();
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end || times[0].length < 5) {
    fns.forEach((fn, k) => {
      let calls = 0;
      const t0 = performance.now();
      while (performance.now() - t0 < 150) {
        fn();
        calls++;
      }
      times[k].push((performance.now() - t0) / 1000 / calls);
    });
  }
  return times.map((t) => t.sort((a, b) => a - b)[t.length >> 1]);
}

export async function run(args: string[]): Promise<void> {
  const at = args.indexOf('--backends');
  const backends = await benchBackends(at >= 0 ? args[at + 1] : undefined);
  const cores = availableParallelism();
  const rows: Row[] = [];
  for (const backend of backends) {
    for (const threads of [1, 2]) {
      const e = await initEngine({ threads, backend });
      const rng = new Rng(7);
      const store = new EmbeddingStore();
      const byLayout = tables(store, rng);
      const draw = {
        uniform: () => rng.int(ROWS),
        zipf: () => Math.min(ROWS - 1, Math.floor(ROWS ** rng.next()) - 1),
      };
      for (const [ids, pick] of Object.entries(draw)) {
        const batches = Array.from({ length: 8 }, () => Int32Array.from({ length: BATCH * FIELDS }, pick));
        let k = 0;
        const seconds = interleaved(
          LAYOUTS.map((layout) => () => {
            const b = batches[k++ % batches.length];
            tidy(() => {
              lookupFields(byLayout[layout], b, BATCH, false);
            });
          }),
          6,
        );
        const load = loadAverage();
        LAYOUTS.forEach((layout, i) =>
          rows.push({
            benchmark: `gather ${FIELDS} x ${ROWS / 1000}k x ${DIM}, batch ${BATCH}, ${ids} ids: ${layout}`,
            cores,
            threads,
            value: Math.round((BATCH * FIELDS) / seconds[i]),
            unit: 'rows/s',
            'vs float32': `${(seconds[0] / seconds[i]).toFixed(2)}x`,
            kernels: kernelsOf(e),
            load,
          }),
        );
      }
      for (const t of store.tables) t.release();
    }
  }
  report('gather_q', rows);
}
