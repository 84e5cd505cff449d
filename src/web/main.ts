/**
 * The browser page (built by `npm run build:web` into dist/web/): load a slimctr model file (file
 * input or `?model=URL`), show what it is, and score rows typed into the page with the same WASM
 * kernels as Node, on the page's thread. Needs cross-origin isolation (COOP/COEP headers) for the
 * kernels' shared memory.
 */
import { initEngine, type Engine } from '../kernels/engine.js';
import { loadModelFromBytes, type LoadedModel } from '../persist/model_bytes.js';
import { SlimctrError } from '../util/errors.js';
import { parseRows } from './rows.js';
import { encodeRows, inputColumns, predictProbabilities } from './score.js';
import { exampleRowsText, summarize } from './summary.js';
import { $, showError, showPredictions, showSummary } from './view.js';

let engine: Promise<Engine> | null = null;
let current: LoadedModel | null = null;

function startEngine(): Promise<Engine> {
  if (!globalThis.crossOriginIsolated) {
    throw new SlimctrError('this page needs cross-origin isolation for the kernels\u2019 shared memory: serve it with the headers Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp');
  }
  engine ??= initEngine({ threads: 1 });
  return engine;
}

async function openModel(bytes: Uint8Array, name: string): Promise<void> {
  $('model-status').textContent = `loading ${name}\u2026`;
  const eng = await startEngine();
  const t0 = performance.now();
  const loaded = loadModelFromBytes(bytes, name);
  const ms = performance.now() - t0;
  current = loaded;
  showSummary(summarize(loaded, name, bytes.byteLength), eng.variant);
  $('model-status').textContent = `loaded in ${ms.toFixed(1)} ms`;
  const rows = $('rows') as HTMLTextAreaElement;
  if (rows.value.trim() === '') rows.value = exampleRowsText(loaded);
}

function score(): void {
  if (!current) return;
  const text = ($('rows') as HTMLTextAreaElement).value;
  const parsed = parseRows(text, inputColumns(current));
  const t0 = performance.now();
  const batch = encodeRows(parsed.rows, current.encoders, current.meta.features, parsed.lines);
  const probabilities = predictProbabilities(current.model, batch);
  const ms = performance.now() - t0;
  showPredictions(parsed, probabilities, ms);
}

/** Runs a UI action, showing any failure on the page (and in the console for developers). */
function guarded<A extends unknown[]>(fn: (...args: A) => void | Promise<void>): (...args: A) => Promise<void> {
  return async (...args) => {
    showError(null);
    try {
      await fn(...args);
    } catch (err) {
      console.error(err);
      showError(err instanceof Error ? err.message : String(err));
      $('model-status').textContent = '';
    }
  };
}

async function fetchModel(url: string): Promise<void> {
  const res = await fetch(url);
  if (!res.ok) throw new SlimctrError(`${url}: HTTP ${res.status} ${res.statusText}`);
  const name = decodeURIComponent(new URL(url, location.href).pathname.split('/').pop() || url);
  await openModel(new Uint8Array(await res.arrayBuffer()), name);
}

function main(): void {
  $('model-file').addEventListener('change', guarded(async () => {
    const file = ($('model-file') as HTMLInputElement).files?.[0];
    if (file) await openModel(new Uint8Array(await file.arrayBuffer()), file.name);
  }));
  $('score-button').addEventListener('click', guarded(score));
  const url = new URLSearchParams(location.search).get('model');
  if (url) void guarded(fetchModel)(url);
}

main();
