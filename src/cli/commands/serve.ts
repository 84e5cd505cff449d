import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { Command } from '../command.js';
import { PredictionServer, SERVE_DEFAULTS, type ServeOptions } from '../../serve/http.js';
import { ENGINES } from '../../serve/runners.js';
import { type Flag, POSITIVE_INT, parseFlags, usageOf } from '../flags.js';
import { UsageError } from '../../util/errors.js';
import { MODEL_FLAG, modelPathOf } from './eval.js';

const D = SERVE_DEFAULTS;

const FLAGS = [
  { ...MODEL_FLAG, required: undefined },
  {
    name: 'onnx',
    kind: 'string',
    arg: 'FILE',
    help: 'serve an ONNX graph (e.g. exported from PyTorch) instead: requests carry its inputs',
  },
  { name: 'host', kind: 'string', arg: 'ADDR', default: D.host, help: 'address to bind' },
  {
    name: 'port',
    kind: 'number',
    arg: 'N',
    rule: { ok: (n) => Number.isInteger(n) && n >= 0 && n <= 65535, what: 'an integer 0..65535' },
    default: D.port,
    help: 'port; 0 picks a free one',
  },
  {
    name: 'workers',
    kind: 'number',
    arg: 'N',
    rule: POSITIVE_INT,
    help: 'inference threads (default: cores - 1, at least 1)',
  },
  { name: 'engine', kind: 'string', arg: 'NAME', choices: ENGINES, default: D.engine, help: ENGINES.join(' or ') },
  {
    name: 'max-batch',
    kind: 'number',
    arg: 'N',
    rule: POSITIVE_INT,
    default: D.maxBatch,
    help: 'most rows per forward pass',
  },
  {
    name: 'max-wait-ms',
    kind: 'number',
    arg: 'MS',
    rule: { ok: (n) => n >= 0, what: 'a number >= 0' },
    default: D.maxWaitMs,
    help: 'longest a row waits for others to batch with',
  },
  { name: 'max-rows', kind: 'number', arg: 'N', rule: POSITIVE_INT, default: D.maxRows, help: 'most rows per request' },
  {
    name: 'max-queued-rows',
    kind: 'number',
    arg: 'N',
    rule: POSITIVE_INT,
    default: D.maxQueuedRows,
    help: 'most rows waiting for a batch before requests get 503',
  },
  {
    name: 'max-body-bytes',
    kind: 'number',
    arg: 'N',
    rule: POSITIVE_INT,
    default: D.maxBodyBytes,
    help: 'largest request body',
  },
  {
    name: 'name',
    kind: 'string',
    arg: 'NAME',
    help: "the model's name in /v1 and /v2 routes (default: its kind, e.g. deepfm)",
  },
  {
    name: 'allow-unknown-columns',
    kind: 'boolean',
    help: 'ignore object-row keys that are neither model inputs nor columns of the\ntraining file (default: 400 naming them, as a misspelt column would be)',
  },
] as const satisfies readonly Flag[];

export const serveCommand: Command = {
  name: 'serve',
  summary: 'serve a model over HTTP (micro-batched, worker threads)',
  usage: usageOf(
    `Usage: slimctr serve --model RUN_OR_FILE | --onnx MODEL.onnx [--port ${D.port}] [--host ${D.host}] [--workers N]
                     [--engine slimctr|onnx] [--max-batch ${D.maxBatch}] [--max-wait-ms ${D.maxWaitMs}]
                     [--max-rows ${D.maxRows}] [--max-queued-rows ${D.maxQueuedRows}] [--max-body-bytes ${D.maxBodyBytes}] [--name NAME]

Routes:
  POST /predict   {"rows": [{"I1": "5", "C1": "68fd1e64", ...}, ...]} -> {"predictions": [0.12, ...]}
                  rows are raw values by column name, or arrays in the model's input column order
                  (GET /metadata lists it); encoded with the model's saved encoders; unseen
                  categories go to OOV; an absent column, null or "" is a missing value.
                  TensorFlow Serving's forms work too: {"instances": [...]} (rows) and
                  {"inputs": {"I1": [...], "C1": [...]}} (one list per column)
  POST /v1/models/NAME:predict    the same, at TensorFlow Serving's path
  POST /v2/models/NAME/infer      Open Inference Protocol (KServe v2, Triton): one [rows] or
                                  [rows, 1] input tensor per column -> output "probability"
  GET /v2, /v2/health/live, /v2/health/ready, /v2/models/NAME, /v2/models/NAME/ready
  GET /health     {"status": "ok", ...} (503 while draining)
  GET /metadata   model kind, features, parameters, compression plan, training metrics, counters
  GET /metrics    Prometheus text: requests, rows, batch sizes, latency, rejected requests, reloads

With --onnx MODEL.onnx the requests carry the graph's input tensors by name, not raw rows:
  POST /v2/models/NAME/infer  {"inputs": [{"name": "ids", "shape": [2, 3], "datatype": "INT64",
                              "data": [[1, 0, 2], [3, 1, 1]]}, ...]} -> the graph's first output
                              (one value per row); INT64/INT32 for integer inputs, FP32/FP64 for float
  POST /predict, /v1/models/NAME:predict  {"inputs": {"ids": [[1, 0, 2], ...], ...}} (columns) or
                              {"instances": [{"ids": [1, 0, 2], ...}, ...]} (rows) -> {"predictions": [...]}
  NAME defaults to the file's name without .onnx; GET /v2/models/NAME lists the inputs' datatypes
  and shapes. An id outside an embedding table is a 400 naming it.
Bad requests get a JSON {"error": "..."} naming the problem: 400 (not JSON, wrong types, no
rows, too many rows), 413 (body over --max-body-bytes), 404 / 405 (route, model name, method),
503 with Retry-After when --max-queued-rows rows already wait (nothing accepted is dropped).

Rows from all clients are queued and run as one batch when --max-batch rows wait or the oldest
has waited --max-wait-ms; batches run on --workers worker threads, each holding the model
(engine slimctr: our kernels, one kernel thread per worker; engine onnx: onnxruntime-node
on the model exported in memory at startup). SIGHUP: reload the model file; requests in flight
finish on the old model, and a file that does not load is refused with a log line while the old
model keeps serving. SIGINT / SIGTERM: stop accepting, finish in-flight requests, stop the
workers, exit 0.`,
    FLAGS,
  ),
  flags: FLAGS,
  async run(argv) {
    const { values } = parseFlags('serve', FLAGS, argv);
    const opts: ServeOptions = {
      host: values.host,
      port: values.port,
      workers: values.workers ?? Math.max(1, availableParallelism() - 1),
      engine: values.engine,
      maxBatch: values['max-batch'],
      maxWaitMs: values['max-wait-ms'],
      maxRows: values['max-rows'],
      maxQueuedRows: values['max-queued-rows'],
      ...(values.name !== undefined ? { name: values.name } : {}),
      maxBodyBytes: values['max-body-bytes'],
      drainTimeoutMs: D.drainTimeoutMs,
      allowUnknownColumns: values['allow-unknown-columns'],
    };
    if ((values.model === undefined) === (values.onnx === undefined))
      throw new UsageError('serve: give --model RUN_OR_FILE or --onnx MODEL.onnx (one of them)');
    if (values.onnx !== undefined && !existsSync(values.onnx))
      throw new UsageError(`--onnx ${values.onnx}: no such file`);
    const path = values.onnx ?? modelPathOf(values.model!);
    const server = await PredictionServer.start(path, { ...opts, graph: values.onnx !== undefined });
    const m = server.meta;
    await new Promise<void>((resolve) => {
      const stop = (signal: string): void => {
        process.stdout.write(`slimctr serve: ${signal}: draining in-flight requests\n`);
        server.close().then(resolve, resolve);
      };
      process.once('SIGINT', () => stop('SIGINT'));
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.on('SIGHUP', () => {
        process.stdout.write(`slimctr serve: SIGHUP: reloading ${server.modelPath}\n`);
        server.reload().then(
          () => process.stdout.write(`slimctr serve: reloaded ${server.modelPath}\n`),
          (err: unknown) =>
            process.stderr.write(
              `slimctr serve: reload refused, the old model keeps serving: ${err instanceof Error ? err.message : String(err)}\n`,
            ),
        );
      });
      // Announced once the handlers are in place: a signal sent on seeing this line must not meet the default action.
      process.stdout.write(
        `slimctr serve: ${m ? m.kind : 'ONNX graph'}${m?.compression ? ' (compressed)' : ''} from ${path} listening on ${server.url} (engine ${opts.engine}, ${opts.workers} worker${opts.workers > 1 ? 's' : ''})\n`,
      );
    });
    const s = server.metadata().stats as Record<string, number>;
    process.stdout.write(
      `slimctr serve: stopped after ${s.requests} requests, ${s.rows} rows in ${s.batches} batches\n`,
    );
    return 0;
  },
};
