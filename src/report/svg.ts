/**
 * Minimal SVG charts for reports (no dependency): line charts (eigenvalue spectra, energy kept
 * against rank) and labelled scatter plots (test AUC against model size). Output is a standalone
 * <svg> string that browsers and Markdown viewers render.
 */
export interface Series {
  name: string;
  points: [number, number][];
}

export interface ChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  width?: number;
  height?: number;
  logX?: boolean;
  /** Draw markers only (scatter), with each point's series name as its label. */
  scatter?: boolean;
}

const COLORS = [
  '#1f77b4',
  '#d62728',
  '#2ca02c',
  '#ff7f0e',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#7f7f7f',
  '#bcbd22',
  '#17becf',
];

const esc = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function niceTicks(lo: number, hi: number, n = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / n;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

/** Tick label: as many decimals as the tick step needs (so 0.7112 and 0.7113 stay apart). */
function fmt(v: number, step: number): string {
  if (Math.abs(v) >= 1e5) return v.toExponential(1);
  // As many decimals as the step itself has (0.25 -> 2, 0.00005 -> 5).
  const s = String(Number(step.toPrecision(6)));
  const decimals = !(step > 0) ? 2 : s.includes('e') ? -Math.floor(Math.log10(step)) : (s.split('.')[1] ?? '').length;
  return v.toFixed(Math.min(8, decimals));
}

/** Log-axis ticks at 1, 2 and 5 times powers of ten inside [lo, hi] (given as log10 values). */
function logTicks(lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let e = Math.floor(lo); e <= Math.ceil(hi); e++)
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** e;
      if (Math.log10(v) >= lo && Math.log10(v) <= hi) out.push(v);
    }
  return out;
}

export function chart(series: Series[], o: ChartOptions): string {
  const W = o.width ?? 640,
    H = o.height ?? 400,
    L = 70,
    R = 160,
    T = 40,
    B = 50;
  const pts = series
    .flatMap((s) => s.points)
    .filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y) && (!o.logX || x > 0));
  const tx = (x: number): number => (o.logX ? Math.log10(x) : x);
  let [x0, x1] = [Math.min(...pts.map((p) => tx(p[0]))), Math.max(...pts.map((p) => tx(p[0])))];
  let [y0, y1] = [Math.min(...pts.map((p) => p[1])), Math.max(...pts.map((p) => p[1]))];
  if (!pts.length) [x0, x1, y0, y1] = [0, 1, 0, 1];
  if (x1 === x0) [x0, x1] = [x0 - 1, x1 + 1];
  const xpad = (x1 - x0) * 0.08;
  [x0, x1] = [x0 - xpad, x1 + xpad];
  const pad = (y1 - y0) * 0.05 || Math.abs(y0) * 0.05 || 1;
  [y0, y1] = [y0 - pad, y1 + pad];
  const px = (x: number): number => L + ((tx(x) - x0) / (x1 - x0)) * (W - L - R);
  const py = (y: number): number => H - B - ((y - y0) / (y1 - y0)) * (H - T - B);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="15">${esc(o.title)}</text>`,
    `<line x1="${L}" y1="${H - B}" x2="${W - R}" y2="${H - B}" stroke="black"/>`,
    `<line x1="${L}" y1="${T}" x2="${L}" y2="${H - B}" stroke="black"/>`,
  ];
  const yt = niceTicks(y0, y1);
  const ystep = yt.length > 1 ? yt[1] - yt[0] : Math.abs(y1 - y0);
  for (const v of yt) {
    parts.push(
      `<line x1="${L - 4}" y1="${py(v)}" x2="${W - R}" y2="${py(v)}" stroke="#ddd"/>`,
      `<text x="${L - 8}" y="${py(v) + 4}" text-anchor="end">${fmt(v, ystep)}</text>`,
    );
  }
  const xt = o.logX ? logTicks(x0, x1) : niceTicks(x0, x1);
  const xstep = o.logX ? 1 : xt.length > 1 ? xt[1] - xt[0] : 1;
  for (const v of xt)
    parts.push(
      `<text x="${px(v)}" y="${H - B + 18}" text-anchor="middle">${o.logX ? (v >= 1e5 ? v.toExponential(0) : String(v)) : fmt(v, xstep)}</text>`,
    );
  parts.push(
    `<text x="${(L + W - R) / 2}" y="${H - 10}" text-anchor="middle">${esc(o.xLabel)}</text>`,
    `<text x="16" y="${(T + H - B) / 2}" text-anchor="middle" transform="rotate(-90 16 ${(T + H - B) / 2})">${esc(o.yLabel)}</text>`,
  );
  series.forEach((s, i) => {
    const c = COLORS[i % COLORS.length];
    const ok = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y) && (!o.logX || x > 0));
    if (o.scatter) {
      for (const [x, y] of ok) parts.push(`<circle cx="${px(x)}" cy="${py(y)}" r="5" fill="${c}"/>`);
    } else if (ok.length) {
      parts.push(
        `<polyline fill="none" stroke="${c}" stroke-width="2" points="${ok.map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(' ')}"/>`,
      );
    }
    parts.push(
      `<rect x="${W - R + 12}" y="${T + i * 18}" width="12" height="12" fill="${c}"/>`,
      `<text x="${W - R + 30}" y="${T + i * 18 + 10}">${esc(s.name)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('\n');
}
