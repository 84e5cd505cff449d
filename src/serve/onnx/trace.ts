/**
 * Records what a model computes for one batch: every autograd op in order (name, tensor inputs,
 * output, non-tensor arguments), in eval mode without gradients. Tensors that no op produced and
 * that are not parameters (constants made inside a forward pass) are snapshotted, since the
 * trace frees every intermediate tensor when it returns.
 */
import { noGrad, observe, type TraceEvent } from '../../autograd/index.js';
import type { CTRModel } from '../../models/model.js';
import type { Batch, FeatureSpec } from '../../nn/types.js';
import { tidy, type Tensor } from '../../tensor/tensor.js';

export interface ModelTrace {
  batch: Batch;
  events: TraceEvent[];
  /** The logits tensor the forward pass returned. */
  output: Tensor;
  /** Values of the leaves that are neither parameters nor op outputs. */
  constants: Map<Tensor, Float32Array>;
}

/** Runs `model.forward(batch)` in eval mode under a trace; restores each module's mode after. */
export function traceModel(model: CTRModel, batch: Batch): ModelTrace {
  const modes = model.namedModules().map(([, m]) => [m, m.training] as const);
  model.eval();
  const events: TraceEvent[] = [];
  const constants = new Map<Tensor, Float32Array>();
  try {
    // An untraced call first: weights a layer prepares once for serving (factored attention) are then
    // ready in every trace, so traces of different batch sizes record the same ops.
    noGrad(() =>
      tidy(() => {
        model.forward(batch);
      }),
    );
    const box: { output?: Tensor } = {};
    // Nothing is returned from the scope: every tensor is freed, only identities and snapshots stay.
    noGrad(() =>
      tidy(() => {
        const made = new Set<Tensor>();
        const op = (e: TraceEvent): void => {
          for (const t of e.inputs) if (!made.has(t) && !t.isParam && !constants.has(t)) constants.set(t, t.toArray());
          made.add(e.output);
          events.push(e);
        };
        box.output = observe({ op }, () => model.forward(batch));
      }),
    );
    return { batch, events, output: box.output!, constants };
  } finally {
    for (const [m, training] of modes) m.training = training;
  }
}

/** A valid batch of `rows` examples for `spec` (ids spread over each vocabulary, varied numeric values). */
export function probeBatch(spec: FeatureSpec, rows: number): Batch {
  const F = spec.categorical.length,
    N = spec.numeric.length;
  const ids = new Int32Array(rows * F),
    dense = new Float32Array(rows * N);
  for (let r = 0; r < rows; r++) {
    spec.categorical.forEach((f, j) => (ids[r * F + j] = (r * 7 + j * 3 + 1) % f.vocab));
    for (let j = 0; j < N; j++) dense[r * N + j] = 0.25 * (r + 1) - 0.5 * j;
  }
  return { rows, ids, dense };
}
