/**
 * Base of every layer and model: a tree of named sub-modules, dense parameters (tensors),
 * embedding tables, buffers and random streams, each registered by name. Tree walks give the
 * optimizer its parameters, the model file its tensors, checkpoints the random state, and the
 * compressor the slots it may swap (`swappable`, nn/parts.ts).
 */
import type { EmbeddingTable } from '../embedding/table.js';
import type { Rng } from '../tensor/rng.js';
import type { Tensor } from '../tensor/tensor.js';

/** `a.b`, or whichever is non-empty: a sub-module registered as '' adds no name level. */
const joinPath = (prefix: string, name: string): string => (prefix && name ? `${prefix}.${name}` : prefix || name);

export abstract class Module {
  training = true;
  private readonly paramMap = new Map<string, Tensor>();
  private readonly moduleMap = new Map<string, Module>();
  private readonly tableMap = new Map<string, EmbeddingTable>();
  private readonly rngMap = new Map<string, Rng>();
  private readonly setters = new Map<string, (m: Module) => void>();
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
   * Registers a sub-module that can be swapped for another (`replace`): `set` stores the new one
   * where this module reads it. Compression installs factorized layers in these slots.
   */
  protected swappable<M extends Module>(name: string, m: M, set: (m: M) => void): M {
    this.setters.set(name, set as (m: Module) => void);
    return this.module(name, m);
  }

  /** Installs `m` in the swappable slot `name` (see `swappable`). */
  replace(name: string, m: Module): void {
    const set = this.setters.get(name);
    if (!set) throw new Error(`internal: ${this.constructor.name} has no sub-module '${name}' that can be swapped`);
    this.moduleMap.set(name, m);
    set(m);
  }

  /** Direct sub-modules held in swappable slots, by name. */
  swappableChildren(): [string, Module][] {
    return [...this.setters.keys()].map((n) => [n, this.moduleMap.get(n)!]);
  }

  /** Direct sub-modules by name. */
  children(): [string, Module][] {
    return [...this.moduleMap];
  }

  /** Every (dotted name, module) in the tree, this one first as ''. */
  namedModules(prefix = ''): [string, Module][] {
    const out: [string, Module][] = [[prefix, this]];
    for (const [n, m] of this.moduleMap) out.push(...m.namedModules(joinPath(prefix, n)));
    return out;
  }

  namedParams(): [string, Tensor][] {
    return this.walk((m) => m.paramMap, '');
  }

  namedTables(): [string, EmbeddingTable][] {
    return this.walk((m) => m.tableMap, '');
  }

  namedBuffers(): [string, Float32Array][] {
    return this.walk((m) => m.bufferMap, '');
  }

  /** Every registered random stream as (`module path.name`, generator); the root's are `.name`, as checkpoints store them. */
  namedRngs(): [string, Rng][] {
    return this.walk(
      (m) => m.rngMap,
      '',
      (prefix, n) => `${prefix}.${n}`,
    );
  }

  /** One registry's (dotted name, item) pairs over the tree: this module's items, then each sub-module's. */
  private walk<T>(own: (m: Module) => Map<string, T>, prefix: string, name = joinPath): [string, T][] {
    const out: [string, T][] = [];
    for (const [n, t] of own(this)) out.push([name(prefix, n), t]);
    for (const [n, m] of this.moduleMap) out.push(...m.walk(own, joinPath(prefix, n), name));
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
