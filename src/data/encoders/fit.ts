/**
 * Fits encoders on training rows: vocabulary counts, numeric statistics, label balance.
 * Feed it blocks (only training rows: pass a route), then call finish().
 */
import { ConfigError, DataError } from '../../util/errors.js';
import type { BadRows } from '../bad_rows.js';
import type { FeaturesConfig } from '../config.js';
import type { RowBlock } from '../formats/row_block.js';
import { parseLabel, parseNumber } from '../numbers.js';
import { VocabCounter, Vocabulary } from './categorical.js';
import { Encoders, type CategoricalField, type DenseField } from './encoders.js';
import { NumericStats, criteoBucket, denseParams } from './numeric.js';
import type { RowRoute } from './bound.js';

type Plan =
  | { kind: 'vocab'; name: string; col: number; minCount: number; counter: VocabCounter }
  | { kind: 'hash'; name: string; col: number; buckets: number }
  | {
      kind: 'bucket';
      name: string;
      col: number;
      minCount: number;
      fill: number | 'mean' | undefined;
      counter: VocabCounter;
      stats: NumericStats;
    }
  | {
      kind: 'dense';
      name: string;
      col: number;
      transform: 'none' | 'minmax' | 'standard' | 'log1p';
      fill: number | 'mean' | undefined;
      stats: NumericStats;
    };

export class EncoderFitter {
  private readonly plans: Plan[] = [];
  private readonly labelCol: number;
  rows = 0;
  positives = 0;

  constructor(
    features: FeaturesConfig,
    readonly label: string | null,
    readonly columns: readonly string[],
    readonly file: string,
  ) {
    for (const [section, map] of [
      ['categorical', features.categorical],
      ['numeric', features.numeric],
    ] as const)
      for (const name of Object.keys(map)) {
        if (!columns.includes(name))
          throw new ConfigError(
            `features.${section}.${name}`,
            `no column '${name}' in ${file} (columns: ${columns.slice(0, 50).join(', ')})`,
          );
        if (name === label) throw new ConfigError(`features.${section}.${name}`, `'${name}' is the label column`);
      }
    for (const name of Object.keys(features.categorical))
      if (name in features.numeric)
        throw new ConfigError(`features.numeric.${name}`, `'${name}' is also listed under features.categorical`);
    if (Object.keys(features.categorical).length + Object.keys(features.numeric).length === 0)
      throw new ConfigError(
        'features',
        'no features configured (list columns under features.categorical / features.numeric)',
      );
    this.labelCol = label === null ? -1 : columns.indexOf(label);
    if (label !== null && this.labelCol < 0)
      throw new DataError(file, 1, 0, `missing label column '${label}' (columns: ${columns.slice(0, 50).join(', ')})`);
    columns.forEach((name, col) => {
      if (name in features.categorical) {
        const c = features.categorical[name] ?? { encoder: 'vocab', min_count: 1 };
        if (c.encoder === 'hash') this.plans.push({ kind: 'hash', name, col, buckets: c.buckets ?? 1 });
        else this.plans.push({ kind: 'vocab', name, col, minCount: c.min_count, counter: new VocabCounter() });
      } else if (name in features.numeric) {
        const c = features.numeric[name] ?? { transform: 'none', min_count: 1, fill: undefined };
        if (c.transform === 'criteo_bucket')
          this.plans.push({
            kind: 'bucket',
            name,
            col,
            minCount: c.min_count,
            fill: c.fill,
            counter: new VocabCounter(),
            stats: new NumericStats(),
          });
        else
          this.plans.push({
            kind: 'dense',
            name,
            col,
            transform: c.transform,
            fill: c.fill,
            stats: new NumericStats(),
          });
      }
    });
  }

  /** Counts the rows of `block` that `route` sends to 0 (all rows without a route). */
  addBlock(block: RowBlock, bad: BadRows, route?: RowRoute): void {
    const { buf, starts, ends, cols } = block;
    const plans = this.plans;
    const np = plans.length;
    const vals = new Float64Array(np);
    rows: for (let r = 0; r < block.rows; r++) {
      if (route && route(block.ordinals[r]) !== 0) continue;
      const base = r * cols;
      let y = 0;
      if (this.labelCol >= 0) {
        const s = starts[base + this.labelCol];
        const e = ends[base + this.labelCol];
        y = parseLabel(buf, s, e);
        if (Number.isNaN(y)) {
          bad.report(
            block.file,
            block.lines[r],
            this.labelCol + 1,
            `label '${buf.toString('utf8', s, e)}' is not 0, 1, -1 or +1`,
            block.snippet(r),
          );
          continue;
        }
      }
      // Validate numbers first so a bad row counts nowhere.
      for (let k = 0; k < np; k++) {
        const p = plans[k];
        if (p.kind !== 'bucket' && p.kind !== 'dense') continue;
        const s = starts[base + p.col];
        const e = ends[base + p.col];
        const v = s === e ? NaN : parseNumber(buf, s, e);
        if (s !== e && Number.isNaN(v)) {
          bad.report(
            block.file,
            block.lines[r],
            p.col + 1,
            `unparsable number '${buf.toString('utf8', s, e)}'`,
            block.snippet(r),
          );
          continue rows;
        }
        vals[k] = v;
      }
      this.rows++;
      this.positives += y;
      for (let k = 0; k < np; k++) {
        const p = plans[k];
        const c = base + p.col;
        if (p.kind === 'vocab') {
          if (starts[c] !== ends[c]) p.counter.addBytes(buf, starts[c], ends[c]);
        } else if (p.kind === 'dense' || p.kind === 'bucket') {
          const v = vals[k];
          if (Number.isNaN(v)) p.stats.missing++;
          else p.stats.add(v);
          if (p.kind === 'bucket' && !Number.isNaN(v)) p.counter.addInt(criteoBucket(v));
        }
      }
    }
  }

  finish(): Encoders {
    const cats: CategoricalField[] = [];
    const dense: DenseField[] = [];
    for (const p of this.plans) {
      if (p.kind === 'vocab')
        cats.push({
          name: p.name,
          encoder: 'vocab',
          min_count: p.minCount,
          vocab: new Vocabulary(p.counter.kept(p.minCount)),
        });
      else if (p.kind === 'hash') cats.push({ name: p.name, encoder: 'hash', buckets: p.buckets });
      else if (p.kind === 'bucket') {
        const fill = p.fill === 'mean' ? (p.stats.count > 0 ? p.stats.mean : 0) : (p.fill ?? null);
        // A filled missing value counts toward its bucket like any training value.
        if (fill !== null) for (let i = 0; i < p.stats.missing; i++) p.counter.addInt(criteoBucket(fill));
        cats.push({
          name: p.name,
          encoder: 'criteo_bucket',
          min_count: p.minCount,
          fill,
          vocab: new Vocabulary(p.counter.kept(p.minCount), true),
        });
      } else dense.push({ name: p.name, ...denseParams(p.transform, p.stats, p.fill) });
    }
    return new Encoders(this.label, cats, dense);
  }
}
