/**
 * An imported ONNX graph (a PyTorch export) opened from its bytes, for the browser entry
 * (`slimctr/web`) and its page: the graph runs in slimctr's own engine, fed by named input tensors
 * in the same forms and with the same checks as `serve --onnx` (serve/graph_request.ts), and
 * answers its first output, one value per row (the click probability of a CTR export).
 */
import { EmbeddingStore } from '../embedding/store.js';
import { decodeOnnx, type OnnxModel } from '../io/onnx/read.js';
import { OnnxGraphModel } from '../models/onnx/model.js';
import { scoreRows } from '../models/onnx/run.js';
import { summarizeGraph, type GraphSummary } from '../models/onnx/summary.js';
import { type GraphInput, type GraphLayout, graphLayout, unpackRows } from '../serve/graph_layout.js';
import { encodeGraphPredict, encodeGraphPredictBody, type GraphLimits } from '../serve/graph_request.js';
import type { EncodedRequest } from '../serve/request.js';

/**
 * Whether `bytes` are to be read as ONNX: not a slimctr model file (safetensors: an 8-byte header
 * length, then '{'), and starting like a ModelProto (0x08, its ir_version field). A file that is
 * neither goes to the model-file reader, whose error then names what is wrong.
 */
export const isOnnxBytes = (bytes: Uint8Array): boolean =>
  !(bytes.length > 8 && bytes[8] === 0x7b) && bytes[0] === 0x08;

export class GraphModel {
  readonly kind = 'onnx';
  readonly graph: OnnxModel;
  readonly layout: GraphLayout;
  private readonly model: OnnxGraphModel;
  private readonly limits: GraphLimits;

  private constructor(graph: OnnxModel) {
    this.graph = graph;
    this.layout = graphLayout(graph);
    this.limits = { layout: this.layout, maxRows: Number.MAX_SAFE_INTEGER };
    this.model = new OnnxGraphModel(graph, { store: new EmbeddingStore(), slots: 0 }).eval();
  }

  /** Decodes an ONNX ModelProto; a bad file or a graph slimctr cannot run is a ModelFileError naming `name`. */
  static fromBytes(bytes: Uint8Array, name = 'model'): GraphModel {
    return new GraphModel(decodeOnnx(bytes, name));
  }

  /** The graph inputs to feed: name, element type, dims after the batch axis, values per row. */
  get inputs(): readonly GraphInput[] {
    return this.layout.inputs;
  }

  /** Inputs, outputs, ops, parameters and bytes, as `inspect-onnx` reports them. */
  summary(): GraphSummary {
    return summarizeGraph(this.graph);
  }

  /** Scores columns by input name (`{name: one value per row}`): one output value per row. */
  predictInputs(columns: Record<string, unknown>): Float64Array {
    return this.score(encodeGraphPredict({ inputs: columns }, this.limits));
  }

  /** Scores a TF-Serving JSON body: `{"inputs": {name: [...]}}` or `{"instances": [...]}`. */
  predictJson(text: string): Float64Array {
    return this.score(encodeGraphPredictBody(text, this.limits));
  }

  private score({ rows, ids, dense }: EncodedRequest): Float64Array {
    const inputs = unpackRows(this.layout, rows, ids, dense);
    return Float64Array.from(scoreRows(this.model, inputs, rows, this.layout.output.name));
  }
}
