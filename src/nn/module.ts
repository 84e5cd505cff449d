/**
 * Base of every layer and model: a tree of named sub-modules, dense parameters (tensors) and
 * embedding tables. Tree walks give the optimizer its parameters, the model file its tensors, and
 * the compressor the layers it may replace (`replace`).
 */
import type { EmbeddingTable } from '../embedding/table.js';
import type { Rng } from '../tensor/rng.js';
import type { Tensor } from '../tensor/tensor.js';

/** `a.b`, or whichever is non-empty: a sub-module registered as '' adds no name level. */
const join = (prefix: string, name: string): string => (prefix && name ? `${prefix}.${name}` : prefix || name);

export abstract class Module {
  training = true;
  private readonly paramMap = new Map<string, Tensor>();
  private readonly moduleMap = new Map<string, Module>();
  private readonly tableMap = new Map<string, EmbeddingTable>();
  private readonly rngMap = new Map<string, Rng>();
  private readonly bufferMap = new Map<string, Float32Array>();

  /** Registers a dense parameter (make it with Tensor.param). */
  protected param(name: string, t: Tensor): Tensor {
    this.paramMap.set(name, t);
    return t;
  }

  /** Registers a sub-module (again under the same name: replaces it in place). Named '': its contents are named as this module's. */
  protected module<M extends Module>(name: string, m: M): M {
    this.moduleMap.set(name, m);
    return m;
  }

  protected table(name: string, t: EmbeddingTable): EmbeddingTable {
    this.tableMap.set(name, t);
    return t;
  }

  /** Registers a non-trainable state array saved with the weights (batch norm's running statistics). */
  protected buffer(name: string, a: Float32Array): Float32Array {
    this.bufferMap.set(name, a);
    return a;
  }

  /** Registers a random stream the module draws from while training (dropout): checkpoints save its state. */
  protected randomStream(name: string, r: Rng): Rng {
    this.rngMap.set(name, r);
    return r;
  }

  /**
   * Swaps the sub-module `name` for `m` (compression installs factorized layers this way). Fields
   * of this module that referred to the old sub-module, directly or in an array, are updated too.
   */
  replace(name: string, m: Module): void {
    const old = this.moduleMap.get(name);
    if (!old) throw new Error(`${this.constructor.name} has no sub-module '${name}'`);
    this.moduleMap.set(name, m);
    const self = this as unknown as Record<string, unknown>;
    for (const key of Object.keys(self)) {
      const v = self[key];
      if (v === old) self[key] = m;
      else if (Array.isArray(v))
        v.forEach((x, i) => {
          if (x === old) v[i] = m;
        });
    }
  }

  /** Direct sub-modules by name. */
  children(): [string, Module][] {
    return [...this.moduleMap];
  }

  /** Every (dotted name, module) in the tree, this one first as ''. */
  namedModules(prefix = ''): [string, Module][] {
    const out: [string, Module][] = [[prefix, this]];
    for (const [n, m] of this.moduleMap) out.push(...m.namedModules(join(prefix, n)));
    return out;
  }

  namedParams(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [n, t] of this.paramMap) out.push([join(prefix, n), t]);
    for (const [n, m] of this.moduleMap) out.push(...m.namedParams(join(prefix, n)));
    return out;
  }

  namedTables(prefix = ''): [string, EmbeddingTable][] {
    const out: [string, EmbeddingTable][] = [];
    for (const [n, t] of this.tableMap) out.push([join(prefix, n), t]);
    for (const [n, m] of this.moduleMap) out.push(...m.namedTables(join(prefix, n)));
    return out;
  }

  namedBuffers(prefix = ''): [string, Float32Array][] {
    const out: [string, Float32Array][] = [];
    for (const [n, a] of this.bufferMap) out.push([join(prefix, n), a]);
    for (const [n, m] of this.moduleMap) out.push(...m.namedBuffers(join(prefix, n)));
    return out;
  }

  /** Every registered random stream as (`module path.name`, generator); the root's are `.name`, as checkpoints store them. */
  namedRngs(prefix = ''): [string, Rng][] {
    const out: [string, Rng][] = [];
    for (const [n, r] of this.rngMap) out.push([`${prefix}.${n}`, r]);
    for (const [n, m] of this.moduleMap) out.push(...m.namedRngs(join(prefix, n)));
    return out;
  }

  params(): Tensor[] {
    return this.namedParams().map(([, t]) => t);
  }

  tables(): EmbeddingTable[] {
    return this.namedTables().map(([, t]) => t);
  }

  /** Parameter count: dense tensors plus embedding weights (optimizer slots not counted). */
  paramCount(): number {
    return this.params().reduce((s, t) => s + t.size, 0) + this.tables().reduce((s, t) => s + t.rows * t.dim, 0);
  }

  /** Sets training mode (dropout, batch norm) on the whole tree. */
  train(on = true): this {
    for (const [, m] of this.namedModules()) m.training = on;
    return this;
  }

  eval(): this {
    return this.train(false);
  }
}
