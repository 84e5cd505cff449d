/**
 * The one way to watch a model run: `observe(observer, fn)` runs `fn` with an observer that hears
 * every autograd op (`op`: model export, profiling) and the outputs model parts report (`output`:
 * a layer's raw output, a field embedding's looked-up rows; the compressor's statistics pass).
 * Observing never changes what a layer computes: a layer that fuses several parts into one
 * product reports each part's share of the fused result. Ops that fuse steps for speed run them one
 * by one while observed (`observed()`), so each is heard: Linear + ReLU with the same bits, the FM
 * term with the same value up to float rounding (its sums run in another order). Nothing is
 * reported outside `observe`.
 */
import type { Tensor } from '../tensor/tensor.js';

/** An op as it runs: its name, tensor inputs, output and non-tensor arguments. */
export interface TraceEvent {
  op: string;
  inputs: readonly Tensor[];
  output: Tensor;
  attrs: Readonly<Record<string, unknown>>;
}

export interface Observer {
  /** Every op, in execution order. */
  op?(e: TraceEvent): void;
  /** A part's output as the model computed it (`part`: the module or strategy that owns it; `x`: its input, where it has one tensor). */
  output?(part: object, y: Tensor, x?: Tensor): void;
}

let active: Observer | null = null;

/** Runs `fn` with `observer` hearing what the model computes; the previous observer is restored after. */
export function observe<R>(observer: Observer, fn: () => R): R {
  const prev = active;
  active = observer;
  try {
    return fn();
  } finally {
    active = prev;
  }
}

/** Reports an op to the active observer, if any; returns `out`. */
export function traced(
  out: Tensor,
  op: string,
  inputs: readonly Tensor[],
  attrs: Record<string, unknown> = {},
): Tensor {
  active?.op?.({ op, inputs, output: out, attrs });
  return out;
}

/** Marks a tensor made from batch data (not by an op) as the model input `name`, e.g. 'dense'. */
export function traceInput(name: string, t: Tensor): Tensor {
  return traced(t, 'input', [], { name });
}

/** Reports `part`'s output `y` (and its input `x`) to the active observer, if any. */
export function reportOutput(part: object, y: Tensor, x?: Tensor): void {
  active?.output?.(part, y, x);
}

/** True while an observer listens to part outputs (a fused layer then computes each part's share to report it). */
export function outputsObserved(): boolean {
  return active?.output !== undefined;
}

/** True while any observer listens: ops that fuse several steps then run them one by one, each heard as itself. */
export function observed(): boolean {
  return active !== null;
}
