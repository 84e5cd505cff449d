/**
 * Exports a zoo model (original or compressed) to ONNX: the forward pass is traced at two probe
 * batch sizes, each op mapped to ONNX nodes, parameters and embedding tables written as
 * initializers. Graph inputs: `ids` int64 [batch, F] (encoded categorical ids) and, when the
 * model has numeric features, `dense` float [batch, N]; output `prob` float [batch], the
 * sigmoid of the logits. The batch dimension is symbolic. Quantized tables and int8 weights stay
 * quantized in the file (quantized.ts).
 */
import type { TraceEvent } from '../../autograd/index.js';
import type { StoredBits } from '../../compress/plan.js';
import { storageOf } from '../../compress/quantize.js';
import { QuantizedTable } from '../../embedding/quantized_table.js';
import type { EmbeddingTable } from '../../embedding/table.js';
import { writeFileAtomic } from '../../io/atomic.js';
import type { CTRModel } from '../../models/model.js';
import type { FeatureSpec } from '../../nn/types.js';
import type { Tensor } from '../../tensor/tensor.js';
import { ExportError } from '../../util/errors.js';
import { VERSION } from '../../version.js';
import { GraphBuilder } from './builder.js';
import { DataType, encodeModel, type ValueSpec } from './onnx_proto.js';
import { batchAxes, mapOp } from './ops.js';
import { describeQuantized, int8Weight, noQuantized, quantizedLookup } from './quantized.js';
import { probeBatch, traceModel, type ModelTrace } from './trace.js';
import { TTFields } from '../../nn/tt_embedding.js';

export interface OnnxExportOptions {
  /** Graph name (default: the model kind). */
  graphName?: string;
  docString?: string;
  /** The model's plan.bits: its int8 weights are exported as INT8 + DequantizeLinear (quantized tables always stay quantized). */
  bits?: Readonly<Record<string, StoredBits>>;
}

export interface OnnxExport {
  bytes: Uint8Array;
  /** What became of quantized tensors, in one line (null: the model has none). */
  quantized: string | null;
}

const BATCH = 'batch';
/** Two probe batch sizes: an axis whose size differs between them follows the batch. */
const PROBE_ROWS: [number, number] = [2, 3];

/** Serialized ONNX ModelProto (opset 17) computing `prob` = sigmoid(model.forward(batch)). */
export function exportOnnx(model: CTRModel, spec: FeatureSpec, options: OnnxExportOptions = {}): Uint8Array {
  return buildOnnx(model, spec, options).bytes;
}

/** Exports and writes atomically to `path` (a crash never leaves a half-written file); says what became of quantized tensors. */
export function writeOnnx(
  path: string,
  model: CTRModel,
  spec: FeatureSpec,
  options: OnnxExportOptions = {},
): OnnxExport {
  const out = buildOnnx(model, spec, options);
  writeFileAtomic(path, out.bytes);
  return out;
}

/** The ONNX bytes, and what became of quantized tensors. */
export function buildOnnx(model: CTRModel, spec: FeatureSpec, options: OnnxExportOptions = {}): OnnxExport {
  if (model.parts().embedding?.get() instanceof TTFields) {
    throw new ExportError(
      `${model.kind}: tensor-train (TT-Rec) embeddings cannot be exported to ONNX; export a model with embedding tables`,
    );
  }
  const ta = traceModel(model, probeBatch(spec, PROBE_ROWS[0]));
  const tb = traceModel(model, probeBatch(spec, PROBE_ROWS[1]));
  if (ta.events.length !== tb.events.length || ta.events.some((e, i) => e.op !== tb.events[i].op)) {
    throw new ExportError(
      `${model.kind}: the sequence of ops depends on the batch size; it cannot be exported as one graph`,
    );
  }
  const ex = new Exporter(model, spec, ta, tb, storageOf(model, options.bits).int8);
  const bytes = encodeModel({
    graphName: options.graphName ?? model.kind,
    nodes: ex.g.nodes,
    initializers: ex.g.initializers,
    inputs: ex.inputs,
    outputs: [{ name: 'prob', type: DataType.FLOAT, dims: [BATCH] }],
    producerName: 'slimctr',
    producerVersion: VERSION,
    docString: options.docString,
  });
  return { bytes, quantized: describeQuantized(ex.quantized) };
}

class Exporter {
  readonly g = new GraphBuilder();
  readonly inputs: ValueSpec[] = [];
  readonly quantized = noQuantized();
  private readonly values = new Map<Tensor, string>();
  private readonly paramNames: Map<Tensor, string>;
  private readonly tableNames: Map<EmbeddingTable, string>;
  private readonly lookups = new Map<string, string>();
  /** ids + per-field row offsets, shared by lookups over tables of equal vocabularies. */
  private readonly rowIds = new Map<string, string>();
  private idsInput: string | null = null;
  private denseInput: string | null = null;

  constructor(
    private readonly model: CTRModel,
    private readonly spec: FeatureSpec,
    private readonly ta: ModelTrace,
    private readonly tb: ModelTrace,
    private readonly int8: ReadonlySet<string>,
  ) {
    this.paramNames = new Map(
      model
        .namedParams()
        .reverse()
        .map(([n, t]) => [t, n]),
    );
    this.tableNames = new Map(
      model
        .namedTables()
        .reverse()
        .map(([n, t]) => [t, n]),
    );
    ta.events.forEach((a, i) => this.emit(a, tb.events[i]));
    const logits = this.values.get(ta.output);
    if (!logits) throw new ExportError(`${model.kind}: the logits do not come from a traced op`);
    batchAxes(ta.output.shape, tb.output.shape, 'logits');
    if (ta.output.rank !== 1 || ta.output.shape[0] !== ta.batch.rows)
      throw new ExportError(`${model.kind}: logits of shape [${ta.output.shape}], expected [batch]`);
    this.g.node('Sigmoid', [logits], {}, 'prob', this.g.reserve('prob'));
  }

  private emit(a: TraceEvent, b: TraceEvent): void {
    let out: string;
    if (a.op === 'input') out = this.input(a);
    else if (a.op === 'lookupFields') out = this.lookup(a);
    else out = mapOp({ g: this.g, a, b, ins: a.inputs.map((t, j) => this.valueOf(t, b.inputs[j])) });
    this.values.set(a.output, out);
  }

  /** The ONNX name of an op input: an earlier op's output, a parameter, or a snapshotted constant. */
  private valueOf(t: Tensor, tb: Tensor): string {
    const known = this.values.get(t);
    if (known) return known;
    if (t.isParam) {
      const param = this.paramNames.get(t) ?? 'param';
      const name = this.int8.has(param)
        ? int8Weight(this.g, param, t, this.quantized)
        : this.g.floats(param, t.shape, t.data);
      this.values.set(t, name);
      return name;
    }
    const va = this.ta.constants.get(t),
      vb = this.tb.constants.get(tb);
    if (!va || !vb || va.length !== vb.length || va.some((v, i) => v !== vb[i])) {
      throw new ExportError(
        `${this.model.kind}: a tensor of shape [${t.shape}] is made from batch data outside the traced ops (mark model inputs with traceInput)`,
      );
    }
    const name = this.g.floats('const', t.shape, va);
    this.values.set(t, name);
    return name;
  }

  private input(a: TraceEvent): string {
    const N = this.spec.numeric.length;
    if (a.attrs.name !== 'dense' || a.output.rank !== 2 || a.output.shape[1] !== N) {
      throw new ExportError(`unknown model input '${String(a.attrs.name)}' of shape [${a.output.shape}]`);
    }
    if (!this.denseInput) {
      this.denseInput = this.g.reserve('dense');
      this.inputs.push({ name: 'dense', type: DataType.FLOAT, dims: [BATCH, N] });
    }
    return this.denseInput;
  }

  private ids(): string {
    if (!this.idsInput) {
      this.idsInput = this.g.reserve('ids');
      this.inputs.push({ name: 'ids', type: DataType.INT64, dims: [BATCH, this.spec.categorical.length] });
    }
    return this.idsInput;
  }

  /** Per-field tables as one stacked initializer, read by one Gather at ids + per-field row offsets. */
  private lookup(a: TraceEvent): string {
    const tables = a.attrs.tables as EmbeddingTable[],
      F = this.spec.categorical.length;
    if (a.attrs.ids !== this.ta.batch.ids || tables.length !== F) {
      throw new ExportError(
        `${this.model.kind}: an embedding lookup reads ids other than the batch's ${F} categorical columns`,
      );
    }
    const key = tables.map((t) => this.tableNames.get(t) ?? t.name).join('|');
    const cached = this.lookups.get(key);
    if (cached) return cached;
    const offsets: number[] = [];
    let rows = 0;
    for (const t of tables) {
      offsets.push(rows);
      rows += t.rows;
    }
    const offsetKey = offsets.join(',');
    let rowIds = this.rowIds.get(offsetKey);
    if (!rowIds)
      this.rowIds.set(
        offsetKey,
        (rowIds = this.g.node('Add', [this.ids(), this.g.int64Const(offsets)], {}, 'row_ids')),
      );
    const first = this.tableNames.get(tables[0]) ?? 'tables.x';
    const base = `${first.slice(0, first.lastIndexOf('.') + 1)}tables`;
    // Tables of one lookup share their bits (plan.bits names all field tables at once); were they not, they export as floats.
    const quantized = tables.filter((t): t is QuantizedTable => t instanceof QuantizedTable);
    const out =
      quantized.length === tables.length && quantized.every((t) => t.bits === quantized[0].bits)
        ? quantizedLookup(this.g, `${base}.`, quantized, rowIds, this.quantized)
        : this.g.node('Gather', [this.stacked(base, tables, rows), rowIds], { axis: { i: 0 } }, 'lookup');
    this.lookups.set(key, out);
    return out;
  }

  /** Float tables (a quantized one read dequantized) stacked into one initializer. */
  private stacked(base: string, tables: readonly EmbeddingTable[], rows: number): string {
    const dim = tables[0].dim,
      stacked = new Float32Array(rows * dim);
    let at = 0;
    for (const t of tables) {
      stacked.set(t.readRows(), at * dim);
      at += t.rows;
    }
    return this.g.floats(base, [rows, dim], stacked);
  }
}
