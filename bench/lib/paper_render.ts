/**
 * Tables and charts of the paper bench: per dataset and model, every variant's mean test AUC over
 * the seeds with its spread, the AUC change against the same seed's original (paired, so the
 * seed-to-seed noise of the original cancels), parameters and throughput; then AFM against SVD
 * at the same size, seed by seed.
 */
import type { Row } from '../../src/cli/table.js';
import { aucChart, spectrumChart, type CompareRow } from '../../src/jobs/compare.js';
import { writeResultsSection } from './results_doc.js';

export interface Cell {
  dataset: string;
  model: string;
  seed: number;
  variant: string;
  params: number;
  auc: number;
  logloss: number;
}
export interface Speed {
  dataset: string;
  model: string;
  variant: string;
  rowsPerSec: number;
  latencyMs: number;
  load: number;
}

const mean = (xs: number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;
/** Sample standard deviation (0 for one value). */
const sd = (xs: number[]): number =>
  xs.length < 2 ? 0 : Math.sqrt(xs.reduce((s, x) => s + (x - mean(xs)) ** 2, 0) / (xs.length - 1));
const signed = (x: number, d = 4): string => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(d)}`;
/** Mean ± sd; a single value (one seed) has no spread to show. */
const pm = (xs: number[], d = 4, sign = false): string =>
  `${sign ? signed(mean(xs), d) : mean(xs).toFixed(d)}${xs.length > 1 ? ` ± ${sd(xs).toFixed(d)}` : ''}`;

interface Stat {
  variant: string;
  params: number;
  auc: number[];
  delta: number[];
  logloss: number[];
  speed?: Speed;
}

function statsOf(cells: Cell[], speeds: Speed[], ds: string, model: string): Stat[] {
  const mine = cells.filter((c) => c.dataset === ds && c.model === model);
  const orig = new Map(mine.filter((c) => c.variant === 'original').map((c) => [c.seed, c.auc]));
  const names = [...new Set(mine.map((c) => c.variant))];
  return names.map((variant) => {
    const cs = mine.filter((c) => c.variant === variant);
    return {
      variant,
      params: Math.round(mean(cs.map((c) => c.params))),
      auc: cs.map((c) => c.auc),
      logloss: cs.map((c) => c.logloss),
      delta: cs.filter((c) => orig.has(c.seed)).map((c) => c.auc - orig.get(c.seed)!),
      speed: speeds.find((s) => s.dataset === ds && s.model === model && s.variant === variant),
    };
  });
}

/** Seed-by-seed AUC difference a - b of two variants of one model. */
function paired(cells: Cell[], ds: string, model: string, a: string, b: string): number[] {
  const mine = cells.filter((c) => c.dataset === ds && c.model === model);
  return mine
    .filter((c) => c.variant === a)
    .flatMap((x) => {
      const y = mine.find((c) => c.variant === b && c.seed === x.seed);
      return y ? [x.auc - y.auc] : [];
    });
}

export interface PaperInput {
  section: string;
  timingThreads: number;
  cells: Cell[];
  speeds: Speed[];
  spectra: { dataset: string; model: string; file: string }[];
  seeds: number[];
  ratio: number;
  ttRank: number;
  datasets: { name: string; text: string }[];
}

/** Writes the `paper` section of docs/results.md; returns the rows for the printed table. */
export function renderPaper(p: PaperInput): { rows: Row[] } {
  const rows: Row[] = [];
  const md: string[] = [];
  const charts: string[] = [];
  const load = p.speeds.length ? Math.max(...p.speeds.map((s) => s.load)) : 0;
  const count = (xs: unknown[], one: string, many: string): string =>
    `${new Set(xs).size} ${new Set(xs).size === 1 ? one : many}`;
  const title = p.section === 'paper' ? 'The paper experiment' : `The ${p.section} benchmark`;
  md.push(
    `## ${title}: ${count(
      p.cells.map((c) => c.model),
      'model',
      'models',
    )}, ${count(
      p.cells.map((c) => c.dataset),
      'dataset',
      'datasets',
    )}, ${count(p.seeds, 'seed', 'seeds')}`,
    '',
    `Written by \`npm run bench -- ${p.section}\` on ${new Date().toISOString().slice(0, 10)}. Seeds ${p.seeds.join(', ')} (initialization, shuffling, fine-tuning); compression ratio ${p.ratio}; TT-Rec rank ${p.ttRank}.`,
    'Every model: embedding 16, MLP 400-400-400 where it has one, Adam lr 1e-3, early stopping on validation AUC. Each compressed variant is fine-tuned (at most 3 epochs, lr 1e-4, early stopping; the starting weights count); "original + same extra training" is the control. TT and "small" are trained from scratch; "small" is the same architecture with a narrower embedding and layers, sized to the AFM model.',
    'AUC columns give mean ± standard deviation over the seeds (the seeds column counts those with every step done; a cell with one seed has no spread); Δ AUC is paired (each seed against its own original), so it is far less noisy than the AUCs themselves.',
    `Throughput: batch-4096 inference rows/s of the first seed's models on ${p.timingThreads} kernel thread(s) (\`--timing-threads\`), median of repeated batches, load average up to ${load.toFixed(2)} during measurement; on this shared 2-core VM, repeated measurements of the same file vary by up to about 20 %.`,
    '',
  );
  for (const ds of p.datasets) {
    const models = [...new Set(p.cells.filter((c) => c.dataset === ds.name).map((c) => c.model))];
    if (!models.length) continue;
    md.push(`### ${ds.name}`, '', ds.text, '');
    const head: string[] = [
      '| model | seeds | original AUC | AFM + FT Δ | AFM-act + FT Δ | SVD + FT Δ | TT Δ | small Δ | control Δ | AFM ratio | AFM speed-up |',
      '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ];
    const detail: string[] = [];
    const statRows: string[] = ['| model | statistics from the first N training rows | AFM Δ AUC |', '|---|---:|---:|'];
    const sweep: string[] = [
      '| model | ratio asked | ratio reached | AFM Δ AUC | SVD Δ AUC | AFM − SVD |',
      '|---|---:|---:|---:|---:|---:|',
    ];
    const versus: string[] = [
      '| model | AFM − SVD (no fine-tune) | seeds AFM ≥ SVD | AFM + FT − SVD + FT | seeds AFM ≥ SVD |',
      '|---|---:|---:|---:|---:|',
    ];
    for (const model of models) {
      const st = statsOf(p.cells, p.speeds, ds.name, model);
      const get = (v: string): Stat | undefined => st.find((s) => s.variant === v);
      const orig = get('original')!;
      const d = (v: string): string => {
        const s = get(v);
        return s ? pm(s.delta, 4, true) : '—';
      };
      const afm = get('afm + fine-tune');
      head.push(
        `| ${model} | ${afm?.auc.length ?? 0} | ${pm(orig.auc)} | ${d('afm + fine-tune')} | ${d('afm-act + fine-tune')} | ${d('svd + fine-tune')} | ${d('tt (from scratch)')} | ${d('small (from scratch)')} | ${d('original + same extra training')} | ${afm ? (orig.params / afm.params).toFixed(2) : '—'}x | ${afm?.speed && orig.speed ? (afm.speed.rowsPerSec / orig.speed.rowsPerSec).toFixed(2) : '—'}x |`,
      );
      detail.push(
        `#### ${ds.name} / ${model}`,
        '',
        '| variant | parameters | ratio | test AUC | Δ AUC vs original | logloss | rows/s (batch 4096) | speed-up |',
        '|---|---:|---:|---:|---:|---:|---:|---:|',
      );
      for (const s of st) {
        const speedUp = s.speed && orig.speed ? s.speed.rowsPerSec / orig.speed.rowsPerSec : null;
        detail.push(
          `| ${s.variant} | ${s.params} | ${(orig.params / s.params).toFixed(2)}x | ${pm(s.auc)} | ${pm(s.delta, 4, true)} | ${pm(s.logloss)} | ${s.speed ? Math.round(s.speed.rowsPerSec) : '—'} | ${speedUp ? `${speedUp.toFixed(2)}x` : '—'} |`,
        );
        rows.push({
          dataset: ds.name,
          model,
          variant: s.variant,
          params: s.params,
          seeds: s.auc.length,
          auc_mean: Number(mean(s.auc).toFixed(5)),
          auc_sd: Number(sd(s.auc).toFixed(5)),
          delta_mean: Number(mean(s.delta).toFixed(5)),
          rows_per_s: s.speed ? Math.round(s.speed.rowsPerSec) : '',
        });
      }
      detail.push('');
      const raw = paired(p.cells, ds.name, model, 'afm', 'svd'),
        ft = paired(p.cells, ds.name, model, 'afm + fine-tune', 'svd + fine-tune');
      const wins = (xs: number[]): string => `${xs.filter((x) => x >= 0).length} of ${xs.length}`;
      if (raw.length)
        versus.push(
          `| ${model} | ${pm(raw, 5, true)} | ${wins(raw)} | ${ft.length ? pm(ft, 5, true) : '—'} | ${ft.length ? wins(ft) : '—'} |`,
        );
      const sweepRows = st.filter((s) => s.variant.startsWith('afm @'));
      for (const a of sweepRows) {
        const r = a.variant.slice('afm @'.length),
          b = get(`svd @${r}`);
        if (b)
          sweep.push(
            `| ${model} | ${r} | ${(orig.params / a.params).toFixed(2)}x | ${pm(a.delta, 5, true)} | ${pm(b.delta, 5, true)} | ${signed(mean(a.delta) - mean(b.delta), 5)} |`,
          );
      }
      const byRows = st.filter((s) => s.variant.startsWith('afm stats '));
      for (const a of byRows)
        statRows.push(`| ${model} | ${a.variant.slice('afm stats '.length)} | ${pm(a.delta, 5, true)} |`);
      const full = get('afm');
      if (byRows.length && full) statRows.push(`| ${model} | all (every seed) | ${pm(full.delta, 5, true)} |`);
      const cmp: CompareRow[] = st
        .filter((s) => !s.variant.includes(' @') && !s.variant.startsWith('afm stats'))
        .map((s) => ({
          variant: s.variant,
          file: '',
          params: s.params,
          bytes: 0,
          gzipBytes: 0,
          testAuc: mean(s.auc),
          testLogloss: mean(s.logloss),
          latencyMs: 0,
          throughput: s.speed?.rowsPerSec ?? 0,
        }));
      charts.push(aucChart(cmp, `${ds.name} / ${model}: mean test AUC against parameters`));
      const spectrum = p.spectra.find((x) => x.dataset === ds.name && x.model === model);
      const sc = spectrum ? spectrumChart(spectrum.file) : null;
      if (sc) charts.push(sc);
    }
    md.push(
      "Δ AUC against the same seed's original, mean ± sd over seeds:",
      '',
      ...head,
      '',
      'AFM against SVD at the same ranks (paired by seed):',
      '',
      ...versus,
      '',
      ...(statRows.length > 2
        ? [
            `How many rows the statistics need (AFM at ratio ${p.ratio}, first seed, no fine-tuning):`,
            '',
            ...statRows,
            '',
          ]
        : []),
      ...(sweep.length > 2
        ? ['Higher compression, first seed, no fine-tuning (AFM and SVD at the same ranks):', '', ...sweep, '']
        : []),
      ...detail,
    );
  }
  writeResultsSection(p.section, md.join('\n'), charts);
  return { rows };
}
