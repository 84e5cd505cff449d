/**
 * Base of every layer and model: a tree of named sub-modules, dense parameters (tensors) and
 * embedding tables. Tree walks give the optimizer its parameters, the model file its tensors, and
 * the compressor the layers it may replace (`replace`).
 */
import type { EmbeddingTable } from '../embedding/table.js';
import type { Tensor } from '../tensor/tensor.js';

export abstract class Module {
  training = true;
  private readonly paramMap = new Map<string, Tensor>();
  private readonly moduleMap = new Map<string, Module>();
  private readonly tableMap = new Map<string, EmbeddingTable>();

  /** Registers a dense parameter (make it with Tensor.param). */
  protected param(name: string, t: Tensor): Tensor {
    this.paramMap.set(name, t);
    return t;
  }

  /** Registers a sub-module. */
  protected module<M extends Module>(name: string, m: M): M {
    this.moduleMap.set(name, m);
    return m;
  }

  protected table(name: string, t: EmbeddingTable): EmbeddingTable {
    this.tableMap.set(name, t);
    return t;
  }

  /**
   * Swaps the sub-module `name` for `m` (compression installs factorized layers this way). Fields
   * of this module that referred to the old sub-module, directly or in an array, are updated too.
   */
  replace(name: string, m: Module): void {
    const old = this.moduleMap.get(name);
    if (!old) throw new Error(`internal: ${this.constructor.name} has no sub-module '${name}' to replace`);
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
    for (const [n, m] of this.moduleMap) out.push(...m.namedModules(prefix ? `${prefix}.${n}` : n));
    return out;
  }

  namedParams(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [n, t] of this.paramMap) out.push([prefix ? `${prefix}.${n}` : n, t]);
    for (const [n, m] of this.moduleMap) out.push(...m.namedParams(prefix ? `${prefix}.${n}` : n));
    return out;
  }

  namedTables(prefix = ''): [string, EmbeddingTable][] {
    const out: [string, EmbeddingTable][] = [];
    for (const [n, t] of this.tableMap) out.push([prefix ? `${prefix}.${n}` : n, t]);
    for (const [n, m] of this.moduleMap) out.push(...m.namedTables(prefix ? `${prefix}.${n}` : n));
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
