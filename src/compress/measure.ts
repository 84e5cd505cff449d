/**
 * Each compression target's output error on held-out rows, measured by running the models. The
 * original runs each batch, and at every layer target the compressed model's counterpart runs on
 * the very input the original's layer got, so the error is the target's own (its rank and its
 * bits), not what the targets before it passed on. A layer whose input the compression changed
 * (the one reading embeddings folded into it) is compared on the compressed model's own run, so
 * its error includes the embeddings'. Field embeddings: both models' field vectors for the same ids.
 * Error: relative RMS, sqrt(sum |y_c - y|^2 / sum |y - mean y|^2); fields weighted by their rows.
 */
import { noGrad, observe } from '../autograd/index.js';
import type { CTRModel } from '../models/model.js';
import { LowRankLinear } from '../nn/low_rank_linear.js';
import type { LinearLike } from '../nn/mlp.js';
import type { Batch } from '../nn/types.js';
import { tidy } from '../tensor/tensor.js';

class ErrorSum {
  private err = 0;
  private sq = 0;
  private n = 0;
  private readonly sum: Float64Array;

  constructor(readonly width: number) {
    this.sum = new Float64Array(width);
  }

  /** Adds rows of the original output `y` and the compressed one `yc` (row-major, `width` wide). */
  add(y: ArrayLike<number>, yc: ArrayLike<number>): void {
    if (y.length !== yc.length) throw new Error(`internal: measure: outputs of ${y.length} and ${yc.length} values`);
    for (let i = 0; i < y.length; i++) {
      this.err += (yc[i] - y[i]) ** 2;
      this.sq += y[i] ** 2;
      this.sum[i % this.width] += y[i];
    }
    this.n += y.length / this.width;
  }

  value(): number {
    const variance = this.sq - this.sum.reduce((s, v) => s + v * v, 0) / this.n;
    return variance > 0 ? Math.sqrt(this.err / variance) : 0;
  }
}

/** Measured errors of `paths` (Linear paths and 'embedding') of `compressed` against `original` over `batches`. */
export function measureTargetErrors(
  original: CTRModel,
  compressed: CTRModel,
  paths: readonly string[],
  batches: Iterable<Batch>,
): Map<string, number> {
  const want = new Set(paths);
  const mods = new Map(compressed.namedModules());
  const counterpart = (p: string): LinearLike => mods.get(p) as LinearLike;
  const origPaths = new Map<object, string>();
  for (const s of original.parts().linears) if (want.has(s.path)) origPaths.set(s.get(), s.path);
  // Where the compressed model reports a path's output on its own run.
  const compPaths = new Map<object, string>();
  for (const p of origPaths.values()) {
    const m = counterpart(p);
    compPaths.set(m instanceof LowRankLinear ? m.up : m, p);
  }
  const sums = new Map<string, ErrorSum>();
  const sum = (p: string, width: number): ErrorSum => {
    let s = sums.get(p);
    if (!s) sums.set(p, (s = new ErrorSum(width)));
    return s;
  };
  const fieldSums: ErrorSum[] = [];
  original.eval();
  compressed.eval();
  for (const b of batches) {
    noGrad(() =>
      tidy(() => {
        const own = new Map<string, Float32Array>();
        observe(
          {
            output(part, y, x) {
              const p = origPaths.get(part);
              if (p === undefined) return;
              const m = counterpart(p);
              // A factored layer whose first factor reads folded embeddings takes a narrower input than its original.
              const width = m instanceof LowRankLinear ? m.down.inDim : m.inDim;
              if (x && x.shape[x.shape.length - 1] === width) sum(p, m.outDim).add(y.data, m.forward(x).data);
              else own.set(p, Float32Array.from(y.data));
            },
          },
          () => original.forward(b),
        );
        if (own.size)
          observe(
            {
              output(part, y) {
                const p = compPaths.get(part);
                if (p !== undefined && own.has(p)) sum(p, counterpart(p).outDim).add(own.get(p)!, y.data);
              },
            },
            () => compressed.forward(b),
          );
        if (want.has('embedding')) addFields(original, compressed, b, fieldSums);
      }),
    );
  }
  const out = new Map<string, number>();
  for (const [p, s] of sums) out.set(p, s.value());
  if (want.has('embedding') && fieldSums.length) {
    const tables = original.parts().embedding!.get().fieldTables;
    const V = tables.reduce((s, t) => s + t.rows, 0);
    out.set(
      'embedding',
      fieldSums.reduce((s, f, i) => s + (tables[i].rows / V) * f.value(), 0),
    );
  }
  return out;
}

/** Adds each field's vectors of both models for the batch's ids. */
function addFields(original: CTRModel, compressed: CTRModel, b: Batch, into: ErrorSum[]): void {
  const fo = original.parts().embedding?.get(),
    fc = compressed.parts().embedding?.get();
  if (!fo || !fc) return;
  const o = fo.vectors(fo.rows(b.ids, b.rows)),
    c = fc.vectors(fc.rows(b.ids, b.rows));
  const [B, F, D] = o.shape;
  const yo = new Float32Array(B * D),
    yc = new Float32Array(B * D);
  for (let f = 0; f < F; f++) {
    for (let r = 0; r < B; r++) {
      yo.set(o.data.subarray((r * F + f) * D, (r * F + f + 1) * D), r * D);
      yc.set(c.data.subarray((r * F + f) * D, (r * F + f + 1) * D), r * D);
    }
    (into[f] ??= new ErrorSum(D)).add(yo, yc);
  }
}
