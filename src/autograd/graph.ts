/**
 * Reverse-mode autograd, micrograd style: each op's output records its parents and a backward
 * function; `backward(loss)` walks the graph in reverse topological order. Gradients of
 * parameters (leaves) persist and accumulate until the optimizer zeroes them; gradients of
 * intermediate tensors are freed with their scope.
 */
import { Tensor, keep, type GradNode } from '../tensor/tensor.js';
import { traced } from './observe.js';

let gradEnabled = true;

/** Runs `fn` without recording the graph (inference, evaluation, statistics passes). */
export function noGrad<R>(fn: () => R): R {
  const prev = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = prev;
  }
}

export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** True when an op on `inputs` must record a node. */
export function needsGrad(...inputs: (Tensor | null | undefined)[]): boolean {
  return gradEnabled && inputs.some((t) => t?.requiresGrad);
}

/**
 * Attaches a node to `out` if any parent requires grad; returns `out`. Reports the op (with
 * `attrs`) to an active observer first.
 */
export function record(
  out: Tensor,
  op: string,
  parents: Tensor[],
  backward: (g: Tensor) => void,
  attrs?: Record<string, unknown>,
): Tensor {
  traced(out, op, parents, attrs);
  if (!needsGrad(...parents)) return out;
  out.requiresGrad = true;
  const node: GradNode = { op, parents, backward };
  out.node = node;
  return out;
}

/**
 * The gradient buffer of `t`, created zero-filled on first use. Parameter gradients are kept out
 * of scopes so they survive `tidy`.
 */
export function gradOf(t: Tensor): Tensor {
  if (!t.grad) {
    const g = Tensor.zeros(t.shape);
    if (t.isParam) keep(g);
    t.grad = g;
  }
  return t.grad;
}

/**
 * The gradient buffer of `t` for an op about to add into it: when none exists yet, a new one is
 * returned uninitialised with `fresh` set, and the caller must write (not add) every entry.
 * Saves zero-filling large intermediate gradients that one op fills completely.
 */
export function gradSlot(t: Tensor): { grad: Tensor; fresh: boolean } {
  if (t.grad) return { grad: t.grad, fresh: false };
  const g = new Tensor(t.shape);
  if (t.isParam) keep(g);
  t.grad = g;
  return { grad: g, fresh: true };
}

/** Back-propagates from a scalar `loss` (seed gradient 1, or `seed` if given). */
export function backward(loss: Tensor, seed?: Tensor): void {
  if (!loss.requiresGrad) throw new Error('internal: backward: loss does not depend on any parameter');
  if (!seed && loss.size !== 1) throw new Error(`internal: backward: loss must be a scalar, got shape [${loss.shape}]`);
  const order: Tensor[] = [];
  const seen = new Set<Tensor>();
  // Iterative DFS (graphs can be deep: a 40-layer cross net must not overflow the stack).
  const stack: [Tensor, number][] = [[loss, 0]];
  while (stack.length) {
    const top = stack[stack.length - 1];
    const [t, i] = top;
    const parents = t.node?.parents ?? [];
    if (i < parents.length) {
      top[1]++;
      const p = parents[i];
      if (p.requiresGrad && !seen.has(p)) {
        seen.add(p);
        stack.push([p, 0]);
      }
    } else {
      stack.pop();
      order.push(t);
    }
  }
  if (seed) {
    // The seed overwrites the whole gradient: no need to zero-fill a new one first.
    if (!loss.grad) loss.grad = loss.isParam ? keep(new Tensor(loss.shape)) : new Tensor(loss.shape);
    loss.grad.data.set(seed.data);
  } else gradOf(loss).data[0] += 1;
  for (let i = order.length - 1; i >= 0; i--) {
    const t = order[i];
    if (t.node && t.grad) t.node.backward(t.grad);
  }
}
