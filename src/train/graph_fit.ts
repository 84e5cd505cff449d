/**
 * Fine-tuning an imported ONNX graph on its own inputs (a GraphData: arrays by graph input name
 * plus labels): epochs over the rows in a seeded shuffle, BCE on the logit under the graph's final
 * Sigmoid, the validation AUC after each epoch, early stopping on it, and the best weights (the
 * starting ones included) restored at the end. With `exactEpochs` there is no early stopping, as for
 * the control (the original graph trained the same steps).
 */
import { backward, bceWithLogits } from '../autograd/index.js';
import { permutation, rng } from '../data/batch.js';
import type { GraphData } from '../data/formats/graph_inputs.js';
import type { HostArray } from '../io/onnx/host_array.js';
import { logloss } from '../metrics/logloss.js';
import { rocAucOrNull } from '../metrics/auc.js';
import { logitName } from '../models/onnx/logit.js';
import type { OnnxGraphModel } from '../models/onnx/model.js';
import { scoreRows } from '../models/onnx/run.js';
import { Optimizer, type OptimizerKind } from '../optim/optimizer.js';
import { applyModelTensors, modelTensors } from '../persist/weights.js';
import { tidy, type Tensor } from '../tensor/tensor.js';
import { TrainingError, UsageError } from '../util/errors.js';

export interface GraphFitOptions {
  /** Epochs at most (early stopping decides), or exactly `exactEpochs` when given. */
  epochs: number;
  exactEpochs?: number;
  batchSize: number;
  lr: number;
  optimizer: OptimizerKind;
  seed: number;
  /** Epochs without a better validation AUC before stopping (default 1). */
  patience?: number;
  log?: (msg: string) => void;
}

export interface GraphMetrics {
  auc: number;
  logloss: number;
}

export interface GraphFitResult {
  epochs: number;
  steps: number;
  bestEpoch: number;
  history: (GraphMetrics & { epoch: number })[];
}

/** AUC and logloss of the graph's probability output on labelled data; null without labels of both classes. */
export function graphMetrics(model: OnnxGraphModel, output: string, data: GraphData): GraphMetrics | null {
  if (!data.labels) return null;
  const p = scoreRows(model, data.inputs, data.rows, output);
  const auc = rocAucOrNull(data.labels, p);
  return auc === null ? null : { auc, logloss: logloss(data.labels, p) };
}

/** The metrics early stopping needs, or a usage error saying why there are none. */
function validationMetrics(model: OnnxGraphModel, output: string, data: GraphData): GraphMetrics {
  const m = graphMetrics(model, output, data);
  if (!m)
    throw new UsageError('fine-tuning stops early on validation AUC: the evaluation data needs labels of both classes');
  return m;
}

/** Rows `idx` of every input (copies). */
function takeRows(inputs: ReadonlyMap<string, HostArray>, idx: Int32Array): Map<string, HostArray> {
  const out = new Map<string, HostArray>();
  for (const [name, a] of inputs) {
    const w = a.data.length / Math.max(a.shape[0], 1);
    const data = new (a.data.constructor as Float32ArrayConstructor)(idx.length * w);
    idx.forEach((r, i) => data.set(a.data.subarray(r * w, (r + 1) * w), i * w));
    out.set(name, { kind: a.kind, shape: [idx.length, ...a.shape.slice(1)], data });
  }
  return out;
}

export function fitGraph(
  model: OnnxGraphModel,
  output: string,
  train: GraphData,
  valid: GraphData,
  o: GraphFitOptions,
): GraphFitResult {
  const labels = train.labels;
  if (!labels) throw new UsageError('fine-tuning needs a label array in the training data');
  const logit = logitName(model.graph, output);
  if (!logit)
    throw new UsageError(
      `fine-tuning needs the output '${output}' to be a Sigmoid of a logit; it is not in this graph`,
    );
  const start = validationMetrics(model, output, valid);
  const history = [{ epoch: 0, ...start }];
  let best = { auc: start.auc, epoch: 0, weights: modelTensors(model) };
  o.log?.(`epoch 0: validation AUC ${start.auc.toFixed(6)}, logloss ${start.logloss.toFixed(6)}`);
  const opt = new Optimizer(model.params(), model.tables(), { kind: o.optimizer, lr: o.lr });
  const rand = rng(o.seed);
  const last = o.exactEpochs ?? o.epochs;
  let steps = 0,
    epochs = 0;
  for (let epoch = 1; epoch <= last; epoch++) {
    model.train();
    const order = permutation(train.rows, rand);
    let lossSum = 0;
    for (let a = 0; a < train.rows; a += o.batchSize) {
      const idx = order.subarray(a, Math.min(train.rows, a + o.batchSize));
      const y = Float32Array.from(idx, (r) => labels[r]);
      const loss = tidy(() => {
        const z = model.forward(takeRows(train.inputs, idx), [logit]).get(logit) as Tensor;
        const l = bceWithLogits(z, y);
        backward(l);
        return l.data[0];
      });
      if (!Number.isFinite(loss)) {
        opt.zeroGrad();
        throw new TrainingError(`fine-tuning loss became ${loss} in epoch ${epoch}; lower the learning rate`);
      }
      opt.step();
      opt.zeroGrad();
      lossSum += loss * idx.length;
      steps++;
    }
    model.eval();
    epochs = epoch;
    const m = validationMetrics(model, output, valid);
    history.push({ epoch, ...m });
    o.log?.(`epoch ${epoch}: train loss ${(lossSum / train.rows).toFixed(5)}, validation AUC ${m.auc.toFixed(6)}`);
    if (m.auc > best.auc) best = { auc: m.auc, epoch, weights: modelTensors(model) };
    else if (o.exactEpochs === undefined && epoch - best.epoch >= (o.patience ?? 1)) break;
  }
  applyModelTensors(model, best.weights, 'best weights');
  model.eval();
  return { epochs, steps, bestEpoch: best.epoch, history };
}
