/**
 * A float32 tensor stored in the kernel heap (row-major, contiguous). Views (reshape, leading-
 * axis slices) share memory with their base. Memory is explicit: tensors made inside `tidy()` are
 * freed when it returns, except what it returns or what is `keep()`-ed; parameters are made
 * outside any scope and live until disposed.
 */
import { engine } from '../kernels/engine.js';
import { ShapeError } from '../util/errors.js';
import type { Rng } from './rng.js';

export type Shape = readonly number[];

/** What autograd records for a tensor produced by an op. */
export interface GradNode {
  op: string;
  parents: Tensor[];
  /** Adds this tensor's gradient `g` into the parents' gradients. */
  backward(g: Tensor): void;
}

const scopes: Tensor[][] = [];

let weightsVersion = 0;

/**
 * Counts in-place changes of trained weights: optimizer steps, weights loaded or restored
 * (Tensor.assign, EmbeddingTable.writeRows). Anything computed from weights and kept across calls
 * (e.g. attention's assembled factored weights) stores the version it was built at and is rebuilt
 * when it moved on, so no write through these paths can leave it stale.
 */
export function currentWeightsVersion(): number {
  return weightsVersion;
}

export function noteWeightsChanged(): void {
  weightsVersion++;
}

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new ShapeError(`bad shape [${shape.join(', ')}]`);
    n *= d;
  }
  return n;
}

export class Tensor {
  readonly shape: Shape;
  readonly size: number;
  readonly ptr: number;
  /** The tensor owning the memory (this one, unless this is a view). */
  readonly base: Tensor | null;
  private view: Float32Array | null = null;
  private disposed = false;
  requiresGrad = false;
  /** Leaf parameters keep their gradient across scopes; the optimizer zeroes it. */
  isParam = false;
  grad: Tensor | null = null;
  node: GradNode | null = null;

  constructor(shape: Shape, ptr?: number, base?: Tensor) {
    this.shape = [...shape];
    this.size = sizeOf(shape);
    this.base = base ?? null;
    this.ptr = ptr ?? engine().heap.alloc(this.size * 4);
    const scope = scopes[scopes.length - 1];
    if (scope) scope.push(this);
  }

  get data(): Float32Array {
    if (this.disposed) throw new Error('internal: tensor used after dispose');
    if (!this.view) this.view = engine().heap.f32(this.ptr, this.size);
    return this.view;
  }

  get rank(): number {
    return this.shape.length;
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  /** Frees the memory (views free nothing). Safe to call twice. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (!this.base) engine().heap.release(this.ptr);
    this.view = null;
    if (this.grad && !this.isParam) this.grad = null;
  }

  /** A copy of the values as a plain Float32Array (outside the heap). */
  /** Overwrites values from `offset` in place (loading or restoring weights); caches built on them are invalidated. */
  assign(values: ArrayLike<number>, offset = 0): void {
    this.data.set(values, offset);
    noteWeightsChanged();
  }

  toArray(): Float32Array {
    return Float32Array.from(this.data);
  }

  /** A new tensor with the same values and no autograd history. */
  clone(): Tensor {
    const t = new Tensor(this.shape);
    t.data.set(this.data);
    return t;
  }

  /** Same memory, new shape (no copy). */
  viewAs(shape: Shape): Tensor {
    if (sizeOf(shape) !== this.size) throw new ShapeError(`cannot view [${this.shape}] as [${shape}]`);
    return new Tensor(shape, this.ptr, this.base ?? this);
  }

  /** Rows [start, end) along the first axis, sharing memory (no copy). */
  rowsView(start: number, end: number): Tensor {
    const inner = this.size / this.shape[0];
    return new Tensor([end - start, ...this.shape.slice(1)], this.ptr + start * inner * 4, this.base ?? this);
  }

  static zeros(shape: Shape): Tensor {
    const t = new Tensor(shape);
    t.data.fill(0);
    return t;
  }

  static full(shape: Shape, value: number): Tensor {
    const t = new Tensor(shape);
    t.data.fill(value);
    return t;
  }

  static from(values: ArrayLike<number>, shape: Shape = [values.length]): Tensor {
    const t = new Tensor(shape);
    if (values.length !== t.size) throw new ShapeError(`${values.length} values do not fill shape [${shape}]`);
    t.data.set(values);
    return t;
  }

  /** Normal(0, std) values from `rng`. */
  static randn(shape: Shape, rng: Rng, std = 1): Tensor {
    const t = new Tensor(shape);
    const d = t.data;
    for (let i = 0; i < d.length; i++) d[i] = rng.normal() * std;
    return t;
  }

  /** Uniform(-limit, limit) values from `rng`. */
  static uniform(shape: Shape, rng: Rng, limit: number): Tensor {
    const t = new Tensor(shape);
    const d = t.data;
    for (let i = 0; i < d.length; i++) d[i] = (rng.next() * 2 - 1) * limit;
    return t;
  }

  /** A trainable leaf: requires grad, persists outside scopes. */
  static param(init: Tensor): Tensor {
    init.requiresGrad = true;
    init.isParam = true;
    keep(init);
    return init;
  }
}

/** Removes `t` from every open scope so `tidy` does not free it. Returns `t`. */
export function keep<T extends Tensor>(t: T): T {
  for (const scope of scopes) {
    const i = scope.indexOf(t);
    if (i >= 0) scope.splice(i, 1);
  }
  return t;
}

/** Runs `fn`; frees every tensor it made except those in its result (a tensor, array or object of tensors). */
export function tidy<R>(fn: () => R): R {
  scopes.push([]);
  let made: Tensor[] = [];
  let result: R;
  try {
    result = fn();
  } finally {
    made = scopes.pop() ?? [];
  }
  const kept = new Set<Tensor>();
  collect(result, kept);
  const survivors: Tensor[] = [];
  for (const t of made) {
    if (kept.has(t) || (t.base && kept.has(t.base))) survivors.push(t);
    else if (!t.base) t.dispose();
  }
  for (const t of made) if (t.base && !kept.has(t) && !kept.has(t.base)) t.dispose();
  const outer = scopes[scopes.length - 1];
  if (outer) outer.push(...survivors);
  return result;
}

function collect(x: unknown, out: Set<Tensor>): void {
  if (x instanceof Tensor) {
    out.add(x);
    if (x.base) out.add(x.base);
  } else if (Array.isArray(x)) for (const v of x) collect(v, out);
  else if (x && typeof x === 'object' && !ArrayBuffer.isView(x)) for (const v of Object.values(x)) collect(v, out);
}
