/** The page's DOM: small helpers that lay out a ModelSummary and a table of predictions. */
import type { ParsedRows } from './rows.js';
import type { ModelSummary } from './summary.js';

export function $(id: string): HTMLElement {
  const el = document.getElementById(id);
  if (!el) throw new Error(`internal: page: no element #${id} (index.html and the code ship together)`);
  return el;
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string, cls?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (cls) e.className = cls;
  return e;
}

const int = new Intl.NumberFormat('en-US');

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB'];
  let v = n / 1024,
    u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(v < 10 ? 2 : 1)} ${units[u]}`;
}

function table(head: string[], rows: (string | HTMLElement)[][], id?: string): HTMLTableElement {
  const t = el('table');
  if (id) t.id = id;
  const tr = el('tr');
  head.forEach((h) => tr.append(el('th', h)));
  t.append(el('thead'), el('tbody'));
  t.tHead!.append(tr);
  for (const r of rows) {
    const row = el('tr');
    r.forEach((c) => row.append(typeof c === 'string' ? el('td', c) : c));
    t.tBodies[0].append(row);
  }
  return t;
}

function fact(dl: HTMLElement, term: string, value: string, id: string): void {
  const dd = el('dd', value);
  dd.id = id;
  dl.append(el('dt', term), dd);
}

export function showSummary(s: ModelSummary, kernels: string): void {
  const facts = $('model-facts');
  facts.replaceChildren();
  fact(facts, 'File', s.name, 'model-name');
  fact(facts, 'Model', s.kind, 'model-kind');
  fact(facts, 'Parameters', int.format(s.params), 'model-params');
  fact(facts, 'Size', `${formatBytes(s.bytes)} (${int.format(s.bytes)} bytes)`, 'model-bytes');
  fact(facts, 'Written by', s.writtenBy, 'model-version');
  fact(facts, 'Kernels', `WebAssembly ${kernels}`, 'model-kernels');

  const plan = $('model-plan');
  if (s.onnxOpset !== null)
    plan.replaceChildren(el('p', `Imported ONNX graph (opset ${s.onnxOpset}): no slimctr plan recorded.`, 'muted'));
  else if (!s.compression) plan.replaceChildren(el('p', 'Not compressed (original model).', 'muted'));
  else {
    const c = s.compression;
    const rows = c.layers.map(([layer, rank]) => [layer, String(rank)]);
    if (c.embeddingRank !== null)
      rows.push([`embeddings${c.fused ? ' (fused into the first MLP layer)' : ''}`, String(c.embeddingRank)]);
    plan.replaceChildren(
      el('p', `Method: ${c.method.toUpperCase()}`),
      ...(c.stored ? [el('p', `Stored: ${c.stored}`)] : []),
      table(['layer', 'rank'], rows, 'plan-table'),
    );
  }

  const metrics = $('model-metrics');
  const m = s.metrics;
  if (m.rows.length === 0) metrics.replaceChildren(el('p', 'No training metrics recorded.', 'muted'));
  else {
    const cell = (v: number | null): string =>
      v === null ? '\u2013' : Number.isInteger(v) ? int.format(v) : v.toFixed(4);
    metrics.replaceChildren(
      table(
        ['split', ...m.columns],
        m.rows.map(([split, vals]) => [split, ...vals.map(cell)]),
        'metrics-table',
      ),
    );
  }
  $('columns').textContent = s.columns.join(', ');
  $('rows-help').hidden = s.onnxOpset !== null;
  $('graph-help').hidden = s.onnxOpset === null;
  $('model').hidden = false;
  $('score').hidden = false;
}

export function showPredictions(
  parsed: Pick<ParsedRows, 'lines' | 'format'>,
  probabilities: Float32Array | Float64Array,
  ms: number,
): void {
  const rows = Array.from(probabilities, (p, i) => {
    const prob = el('td', p.toFixed(6), 'prob');
    prob.dataset.value = String(p);
    const bar = el('td', undefined, 'bar');
    const fill = el('span');
    fill.style.width = `${(p * 100).toFixed(1)}%`;
    bar.append(fill);
    return [String(i + 1), String(parsed.lines[i]), prob, bar];
  });
  $('predictions').replaceChildren(table(['#', 'line', 'probability', ''], rows, 'predictions-table'));
  const n = probabilities.length;
  $('timing').textContent =
    `${n} row${n === 1 ? '' : 's'} (${parsed.format.toUpperCase()}) scored in one batch: ${ms.toFixed(2)} ms, ${((ms / n) * 1000).toFixed(1)} \u00b5s per row`;
}

export function showError(message: string | null): void {
  const box = $('error');
  box.hidden = message === null;
  box.textContent = message ?? '';
}
