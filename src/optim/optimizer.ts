/**
 * Optimizers over dense parameters (tensors in the kernel heap) and embedding tables (sparse:
 * only rows touched by the batch are updated, "lazy" for Adam). One class, three rules, because
 * the bookkeeping (zeroing, merging sparse grads, learning-rate changes) is shared.
 */
import { engine } from '../kernels/engine.js';
import type { EmbeddingTable, SparseGrad, UpdateKind } from '../embedding/table.js';
import { uniqueIds } from '../embedding/unique.js';
import { Tensor, keep, noteWeightsChanged } from '../tensor/tensor.js';

export type OptimizerKind = 'sgd' | 'adagrad' | 'adam';

export interface OptimizerOptions {
  kind: OptimizerKind;
  lr: number;
  /** L2 penalty on dense parameters, added to their gradient. */
  weightDecay?: number;
  /** L2 penalty on embedding rows, applied to the rows a batch touches. */
  embeddingL2?: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
}

/** Optimizer slots per embedding row for each rule (the table must be created with this many). */
export const SLOTS: Record<OptimizerKind, number> = { sgd: 0, adagrad: 1, adam: 2 };
const KIND: Record<OptimizerKind, UpdateKind> = { sgd: 0, adagrad: 1, adam: 2 };

export class Optimizer {
  lr: number;
  /** Steps taken (Adam's bias correction). */
  t = 0;
  private readonly state: Tensor[][];

  constructor(
    readonly params: Tensor[],
    readonly tables: EmbeddingTable[],
    readonly opts: OptimizerOptions,
  ) {
    this.lr = opts.lr;
    const n = SLOTS[opts.kind];
    for (const t of tables) {
      if (t.slots !== n)
        throw new Error(`internal: optimizer ${opts.kind} needs ${n} slots per row; table ${t.name} has ${t.slots}`);
    }
    this.state = params.map((p) => Array.from({ length: n }, () => keep(Tensor.zeros(p.shape))));
  }

  step(): void {
    this.t++;
    noteWeightsChanged();
    const k = engine().k;
    const { kind } = this.opts;
    const b1 = this.opts.beta1 ?? 0.9,
      b2 = this.opts.beta2 ?? 0.999;
    const eps = this.opts.eps ?? (kind === 'adagrad' ? 1e-10 : 1e-8);
    const lrt = kind === 'adam' ? (this.lr * Math.sqrt(1 - b2 ** this.t)) / (1 - b1 ** this.t) : this.lr;
    const wd = this.opts.weightDecay ?? 0;
    this.params.forEach((p, i) => {
      if (!p.grad) return;
      const s = this.state[i];
      if (kind === 'sgd') k.sgd_span(p.ptr, p.grad.ptr, p.size, lrt, wd);
      else if (kind === 'adagrad') k.adagrad_span(p.ptr, p.grad.ptr, s[0].ptr, p.size, lrt, eps, wd);
      else k.adam_span(p.ptr, p.grad.ptr, s[0].ptr, s[1].ptr, p.size, lrt, b1, b2, eps, wd);
    });
    const update = { kind: KIND[kind], lr: lrt, b1, b2, eps, wd: this.opts.embeddingL2 ?? 0 };
    const calls: number[][] = [];
    for (const t of this.tables) {
      const g = mergePending(t);
      if (g) calls.push(...t.updateCalls(g, update));
    }
    engine().runCalls(calls);
    for (const t of this.tables) t.clearPending();
  }

  /** Clears gradients: zero-fills dense ones, drops pending sparse ones. */
  zeroGrad(): void {
    for (const p of this.params) p.grad?.data.fill(0);
    for (const t of this.tables) t.clearPending();
  }

  /** Optimizer state for checkpoints (dense slots; embedding slots live in the tables). */
  stateTensors(): Tensor[][] {
    return this.state;
  }
}

/**
 * One gradient row per unique id when backward recorded several sparse gradients for a table
 * (a table used twice in a model). The merged gradient joins `pending`, so it is freed with it.
 */
function mergePending(t: EmbeddingTable): SparseGrad | null {
  const { pending, dim } = t;
  if (pending.length <= 1) return pending[0] ?? null;
  const heap = engine().heap;
  const all = new Int32Array(pending.reduce((s, p) => s + p.n, 0));
  let at = 0;
  for (const p of pending) {
    all.set(heap.i32(p.idsPtr, p.n), at);
    at += p.n;
  }
  const { uniq, inverse } = uniqueIds(all, all.length);
  const merged: SparseGrad = {
    n: uniq.length,
    idsPtr: heap.alloc(uniq.length * 4),
    gradsPtr: heap.alloc(uniq.length * dim * 4),
  };
  heap.i32(merged.idsPtr, merged.n).set(uniq);
  const out = heap.f32(merged.gradsPtr, merged.n * dim).fill(0);
  at = 0;
  for (const p of pending) {
    const src = heap.f32(p.gradsPtr, p.n * dim);
    for (let i = 0; i < p.n; i++, at++) {
      const o = inverse[at] * dim;
      for (let j = 0; j < dim; j++) out[o + j] += src[i * dim + j];
    }
  }
  pending.push(merged);
  return merged;
}
