/**
 * The browser page (built by `npm run build:web` into dist/web/): load a slimctr model file or an
 * ONNX export (file input or `?model=URL`), show what it is, and score rows typed into the page with the same WASM
 * kernels as Node: on Web Workers too when the page is cross-origin isolated, else on the page's
 * thread alone. Works from any static host: what the browser must support
 * is checked before a model is downloaded, and cross-origin isolation is not required.
 */
import { GraphModel, isOnnxBytes } from '../api/graph_model.js';
import { loadModel, type LoadedModel } from '../persist/model_file.js';
import { SlimctrError } from '../util/errors.js';
import { checkCapabilities } from './capabilities.js';
import { engineInfo, startKernels } from './index.js';
import { parseRows } from './rows.js';
import { encodeRows, inputColumns, predictProbabilities } from '../api/score.js';
import { exampleGraphText, exampleRowsText, summarize, summarizeGraphModel } from './summary.js';
import { $, showError, showPredictions, showSummary } from './view.js';

let current: LoadedModel | GraphModel | null = null;

/** Fails, before any download, when the browser lacks what the kernels need. */
function checkBrowser(): void {
  const { missing } = checkCapabilities();
  if (missing.length > 0)
    throw new SlimctrError(`this browser cannot run slimctr's kernels: it lacks ${missing.join(' and ')}`);
}

/** The kernels through slimctr/web's own start (the same one openModel uses). */
async function startEngine(): Promise<{ variant: string; threads: number }> {
  checkBrowser();
  await startKernels();
  return engineInfo();
}

async function openModel(bytes: Uint8Array, name: string): Promise<void> {
  $('model-status').textContent = `loading ${name}\u2026`;
  const eng = await startEngine();
  const t0 = performance.now();
  const loaded = isOnnxBytes(bytes) ? GraphModel.fromBytes(bytes, name) : loadModel(bytes, { name });
  const ms = performance.now() - t0;
  const switched = current instanceof GraphModel !== loaded instanceof GraphModel;
  current = loaded;
  showSummary(
    loaded instanceof GraphModel
      ? summarizeGraphModel(loaded, name, bytes.byteLength)
      : summarize(loaded, name, bytes.byteLength),
    `${eng.variant}, ${eng.threads} thread${eng.threads === 1 ? '' : 's'}${checkCapabilities().isolated ? '' : ' (page not cross-origin isolated)'}`,
  );
  $('model-status').textContent = `loaded in ${ms.toFixed(1)} ms`;
  const rows = $('rows') as HTMLTextAreaElement;
  if (rows.value.trim() === '' || switched)
    rows.value = loaded instanceof GraphModel ? exampleGraphText(loaded) : exampleRowsText(loaded);
}

function score(): void {
  if (!current) return;
  const text = ($('rows') as HTMLTextAreaElement).value;
  if (current instanceof GraphModel) {
    const t0 = performance.now();
    const probabilities = current.predictJson(text);
    const ms = performance.now() - t0;
    showPredictions({ format: 'json', lines: Array.from(probabilities, (_, i) => i + 1) }, probabilities, ms);
    return;
  }
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
  checkBrowser();
  const res = await fetch(url);
  if (!res.ok) throw new SlimctrError(`${url}: HTTP ${res.status} ${res.statusText}`);
  const name = decodeURIComponent(new URL(url, location.href).pathname.split('/').pop() || url);
  await openModel(new Uint8Array(await res.arrayBuffer()), name);
}

function main(): void {
  $('model-file').addEventListener(
    'change',
    guarded(async () => {
      const file = ($('model-file') as HTMLInputElement).files?.[0];
      if (file) await openModel(new Uint8Array(await file.arrayBuffer()), file.name);
    }),
  );
  $('score-button').addEventListener('click', guarded(score));
  const url = new URLSearchParams(location.search).get('model');
  if (url) void guarded(fetchModel)(url);
}

main();
