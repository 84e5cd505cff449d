/**
 * `slimctr inspect`: reads a whole file, collects per-column statistics and proposes a
 * dataset/features config (YAML that parseDataConfig accepts).
 */
import { stringify } from 'yaml';
import { BadRows } from './bad_rows.js';
import { HashIdTable, hashBytes, hashHi } from './hash.js';
import { parseNumber } from './numbers.js';
import { detectFormat, MAX_LIBSVM_COLUMNS, openTable, type FormatName, type TableSpec } from './formats/table.js';
import { isOneHot, oneHotProposal, rangesDisjoint, scanSparseShape, type SparseShape } from './inspect_sparse.js';

/** Distinct values are counted exactly up to this many per column. */
const DISTINCT_CAP = 2_000_000;
/**
 * A column stays numeric when its cells that are not numbers (NUL, 'NaN', '0x10', ' 12 ', '1e400')
 * are at most this many and under a tenth of its numbers: they are then malformed cells, reported
 * like the readers report them, not a reason to retype the column as string.
 */
const MAX_BAD_NUMBERS = 100;

/** A cell of a numeric-looking column that is not a number. */
interface BadCell {
  line: number;
  text: string;
  snippet: string;
}

interface ColumnStats {
  name: string;
  missing: number;
  distinct: number;
  distinctCapped: boolean;
  numeric: boolean;
  integer: boolean;
  min: number;
  max: number;
}

export interface InspectReport {
  file: string;
  spec: TableSpec;
  rows: number;
  label: string | null;
  positives: number;
  columns: ColumnStats[];
  badRows: BadRows;
  /** Columns holding one value on every row: flagged, and left out of the proposal. */
  constant: string[];
  /** libsvm files: their shape (one-hot or not), when inspected as such. */
  sparse?: SparseShape;
  proposal: {
    dataset: Record<string, unknown>;
    features: { categorical: Record<string, unknown>; numeric: Record<string, unknown> };
  };
}

const LABEL_NAMES = ['label', 'Label', 'click', 'clicked', 'target', 'y'];

export async function inspectFile(
  file: string,
  given: Partial<TableSpec> & { label?: string | null } = {},
): Promise<InspectReport> {
  const det = given.format
    ? { format: given.format, header: given.header ?? given.format !== 'criteo_tsv' }
    : await detectFormat(file);
  const spec: TableSpec = {
    ...given,
    format: det.format as FormatName,
    header: given.header ?? det.header,
    multiValue: given.multiValue ?? 'first',
  };
  const bad = new BadRows('skip', 10);
  if (spec.format === 'libsvm' && !spec.fieldMap) {
    const shape = await scanSparseShape(file, (line, text) =>
      bad.report(file, line, 0, 'expected label index:value ...', text.slice(0, 160)),
    );
    // One-hot, or indices too many for a column each: fields, not indices, are the columns.
    if (isOneHot(shape) || shape.maxIndex >= MAX_LIBSVM_COLUMNS) return sparseReport(file, spec, shape, bad);
  }
  const t = await openTable(file, spec, bad);
  const cols = t.columns;
  const label = given.label !== undefined ? given.label : (cols.find((c) => LABEL_NAMES.includes(c)) ?? null);
  const labelCol = label === null ? -1 : cols.indexOf(label);
  const tables = cols.map(() => new HashIdTable(1024));
  const st: ColumnStats[] = cols.map((name) => ({
    name,
    missing: 0,
    distinct: 0,
    distinctCapped: false,
    numeric: true,
    integer: true,
    min: Infinity,
    max: -Infinity,
  }));
  const numbers = cols.map(() => 0);
  const notNumbers: BadCell[][] = cols.map(() => []);
  let rows = 0;
  let positives = 0;
  for await (const b of t.blocks()) {
    const { buf, starts, ends } = b;
    for (let r = 0; r < b.rows; r++) {
      const base = r * cols.length;
      if (labelCol >= 0) {
        const v = parseNumber(buf, starts[base + labelCol], ends[base + labelCol]);
        if (v !== 0 && v !== 1 && v !== -1) {
          bad.report(
            file,
            b.lines[r],
            labelCol + 1,
            `label '${b.cell(r, labelCol)}' is not 0, 1, -1 or +1`,
            b.snippet(r),
          );
          continue;
        }
        positives += v === 1 ? 1 : 0;
      }
      rows++;
      for (let c = 0; c < cols.length; c++) {
        const s = starts[base + c];
        const e = ends[base + c];
        const cs = st[c];
        if (s === e) {
          cs.missing++;
          continue;
        }
        if (!cs.distinctCapped) {
          const lo = hashBytes(buf, s, e);
          if (tables[c].get(lo, hashHi) < 0) {
            tables[c].set(lo, hashHi, 1);
            if (++cs.distinct >= DISTINCT_CAP) cs.distinctCapped = true;
          }
        }
        if (cs.numeric) {
          const v = parseNumber(buf, s, e);
          if (Number.isNaN(v)) {
            if (notNumbers[c].push({ line: b.lines[r], text: b.cell(r, c), snippet: b.snippet(r) }) > MAX_BAD_NUMBERS)
              cs.numeric = false;
          } else if (buf[s] === 48 && e - s > 1 && buf[s + 1] !== 46)
            cs.numeric = false; // leading zeros ("000a1b2c"-style ids): a code
          else {
            numbers[c]++;
            if (v < cs.min) cs.min = v;
            if (v > cs.max) cs.max = v;
            if (cs.integer && !Number.isInteger(v)) cs.integer = false;
          }
        }
      }
    }
  }
  st.forEach((cs, c) => {
    const badCells = notNumbers[c];
    if (!cs.numeric || badCells.length === 0) return;
    if (numbers[c] === 0 || badCells.length * 10 > numbers[c]) {
      cs.numeric = false; // mostly text: a string column
      return;
    }
    for (const x of badCells)
      bad.report(
        file,
        x.line,
        c + 1,
        `column ${cs.name} holds numbers, but this cell is not one: ${JSON.stringify(x.text)}`,
        x.snippet,
      );
  });
  const constant = st.filter((c) => c.name !== label && c.distinct === 1 && c.missing === 0).map((c) => c.name);
  return {
    file,
    spec,
    rows,
    label,
    positives,
    columns: st,
    badRows: bad,
    constant,
    proposal: propose(file, spec, label, rows, st),
  };
}

/** The report of a libsvm file read for its shape: a positional field map when it is one-hot. */
function sparseReport(file: string, spec: TableSpec, shape: SparseShape, bad: BadRows): InspectReport {
  const columns: ColumnStats[] = shape.positions.map((p, k) => ({
    name: `f${k}`,
    missing: 0,
    distinct: p.varies ? 2 : 1,
    distinctCapped: p.varies,
    numeric: true,
    integer: true,
    min: p.min,
    max: p.max,
  }));
  const dataset: Record<string, unknown> = { format: 'libsvm', train: file, label: 'label' };
  const base = { file, spec, rows: shape.rows, label: 'label', positives: shape.positives, columns, badRows: bad };
  if (!isOneHot(shape)) {
    const features = { categorical: {}, numeric: {} };
    return { ...base, constant: [], sparse: shape, proposal: { dataset, features } };
  }
  const p = oneHotProposal(shape);
  Object.assign(dataset, { field_map: p.field_map, multi_value: 'error', on_bad_row: 'error' });
  const features = { categorical: p.categorical, numeric: {} };
  return { ...base, constant: p.constant, sparse: shape, proposal: { dataset, features } };
}

function propose(
  file: string,
  spec: TableSpec,
  label: string | null,
  rows: number,
  st: ColumnStats[],
): InspectReport['proposal'] {
  const categorical: Record<string, unknown> = {};
  const numeric: Record<string, unknown> = {};
  for (const c of st) {
    if (c.name === label || c.missing === rows) continue;
    if (c.distinct === 1 && c.missing === 0) continue; // constant: nothing to learn from
    if (c.distinct === rows && rows > 100 && !c.numeric) continue; // an id column
    if (c.distinct === rows && rows > 100 && c.integer) continue;
    const dense = c.numeric && (!c.integer || /^I\d+$/i.test(c.name) || spec.format === 'libsvm');
    if (dense) numeric[c.name] = c.integer ? { transform: 'criteo_bucket' } : { transform: 'standard', fill: 0 };
    else if (c.distinctCapped || c.distinct > 1_000_000) categorical[c.name] = { encoder: 'hash', buckets: 1_000_000 };
    else categorical[c.name] = { min_count: c.distinct > 1000 ? 2 : 1 };
  }
  const dataset: Record<string, unknown> = { format: spec.format, train: file };
  if (spec.format === 'csv' || spec.format === 'tsv') dataset.header = spec.header;
  if (spec.separator) dataset.separator = spec.separator;
  if (!spec.header && (spec.format === 'csv' || spec.format === 'tsv')) dataset.columns = st.map((c) => c.name);
  dataset.label = label;
  if (spec.format === 'libffm' || spec.format === 'libsvm') {
    dataset.num_fields = st.length - 1;
    dataset.multi_value = spec.multiValue ?? 'first';
  }
  dataset.on_bad_row = 'error';
  return { dataset, features: { categorical, numeric } };
}

/** What a libsvm file's shape says about it. */
function sparseLines(s: SparseShape): string[] {
  const shape = `features per row: ${s.minFeatures === s.maxFeatures ? s.maxFeatures : `${s.minFeatures} .. ${s.maxFeatures}`}; values ${s.allOnes ? 'all 1' : 'not all 1'}; largest index ${s.maxIndex}`;
  if (isOneHot(s)) {
    const layout = rangesDisjoint(s)
      ? 'each position keeps to its own index range, so field_map by: ranges would also do'
      : 'positions share index ranges: map by position';
    return [shape, `one-hot file (libFM / FNN style): the k-th feature of a row is field k; ${layout}`];
  }
  return [
    shape,
    s.maxIndex >= MAX_LIBSVM_COLUMNS
      ? `not one-hot by position, and too many indices for a column each: give dataset.field_map with index ranges per field or an FNN featindex file (by: featindex)`
      : 'numeric features (a column per index)',
  ];
}

const pct = (a: number, b: number): string => (b === 0 ? '0' : ((100 * a) / b).toFixed(a === 0 ? 0 : 2));

/**
 * A complete training config from the report: the proposal plus an 80 / 10 / 10 split in file
 * order (click logs are usually in time order: validate and test on the latest rows) and DeepFM
 * with its defaults. As YAML with a comment saying where it came from.
 */
export function proposedTrainingConfig(r: InspectReport): string {
  const a = Math.floor(r.rows * 0.8),
    b = Math.floor(r.rows * 0.9);
  const dataset = {
    ...r.proposal.dataset,
    split: { by: 'rows', train: `1-${a}`, validation: `${a + 1}-${b}`, test: `${b + 1}-` },
  };
  const config = { dataset, features: r.proposal.features, model: { name: 'deepfm' }, training: { epochs: 10 } };
  return `# written by slimctr inspect from ${r.file} (${r.rows} rows): 80/10/10 split in file order, DeepFM defaults; edit freely\n${stringify(config)}`;
}

/** The human-readable report with the YAML block at the end. */
export function formatReport(r: InspectReport): string {
  const lines = [`file: ${r.file}`, `format: ${r.spec.format}${r.spec.header ? ' (header)' : ''}`, `rows: ${r.rows}`];
  if (r.label !== null)
    lines.push(
      `label: ${r.label}  positives ${r.positives} (${pct(r.positives, r.rows)} %)  negatives ${r.rows - r.positives}`,
    );
  else lines.push('label: none found (unlabeled file?)');
  if (r.sparse) lines.push(...sparseLines(r.sparse));
  const w = Math.max(6, ...r.columns.map((c) => c.name.length));
  lines.push('', `${'column'.padEnd(w)}  type         distinct  missing %  range`);
  for (const c of r.columns) {
    const type = r.sparse
      ? 'field'
      : c.name === r.label
        ? 'label'
        : c.numeric
          ? c.integer
            ? 'integer'
            : 'float'
          : 'string';
    const distinct = r.sparse ? (c.distinct === 1 ? '1' : '>1') : `${c.distinctCapped ? '>=' : ''}${c.distinct}`;
    const range = c.numeric && c.min <= c.max ? `${r.sparse ? 'indices ' : ''}${c.min} .. ${c.max}` : '';
    lines.push(
      `${c.name.padEnd(w)}  ${type.padEnd(11)}  ${distinct.padStart(8)}  ${pct(c.missing, r.rows).padStart(9)}  ${range}`,
    );
  }
  if (r.constant.length)
    lines.push('', `constant columns (one value on every row; left out of the proposal): ${r.constant.join(', ')}`);
  lines.push(
    '',
    r.badRows.count === 0 ? 'malformed rows: 0' : `malformed rows: ${r.badRows.summary().replace(/^bad rows: /, '')}`,
  );
  lines.push(
    '',
    '# proposed config: integer columns are categorical unless named I<n>; edit before use',
    stringify(r.proposal).trimEnd(),
  );
  return lines.join('\n') + '\n';
}
