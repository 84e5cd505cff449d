/** Per-op backward timing for the benchmarks' phase breakdowns. */
import type { Tensor } from '../../src/tensor/tensor.js';

/**
 * Wraps the backward of every graph node reachable from `root` with a timer: after each node's
 * backward runs, `report(op, output, ms)` gets its op name, the tensor it produced and its time.
 */
export function timeBackward(root: Tensor, report: (op: string, output: Tensor, ms: number) => void): void {
  const seen = new Set<Tensor>();
  const stack: Tensor[] = [root];
  while (stack.length) {
    const t = stack.pop()!;
    const node = t.node;
    if (!node || seen.has(t)) continue;
    seen.add(t);
    const inner = node.backward.bind(node);
    node.backward = (g: Tensor): void => {
      const t0 = performance.now();
      inner(g);
      report(node.op, t, performance.now() - t0);
    };
    stack.push(...node.parents);
  }
}
