import { availableParallelism } from 'node:os';
import type { Command } from '../command.js';
import { PredictionServer, SERVE_DEFAULTS, type ServeOptions } from '../../serve/http.js';
import { ENGINES, type EngineName } from '../../serve/runners.js';
import { UsageError } from '../../util/errors.js';
import { modelPathOf, positiveInt } from './eval.js';
import { takeFlags } from './train.js';

const D = SERVE_DEFAULTS;

const nonNegative = (name: string, v: string | undefined, dflt: number): number => {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new UsageError(`--${name} must be a number >= 0, got '${v}'`);
  return n;
};

export const serveCommand: Command = {
  name: 'serve',
  summary: 'serve a model over HTTP (micro-batched, worker threads)',
  usage: `Usage: slimctr serve --model RUN_OR_FILE [--port ${D.port}] [--host ${D.host}] [--workers N]
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
Bad requests get a JSON {"error": "..."} naming the problem: 400 (not JSON, wrong types, no
rows, too many rows), 413 (body over --max-body-bytes), 404 / 405 (route, model name, method),
503 with Retry-After when --max-queued-rows rows already wait (nothing accepted is dropped).

Rows from all clients are queued and run as one batch when --max-batch rows wait or the oldest
has waited --max-wait-ms; batches run on --workers worker threads, each holding the model
(engine slimctr: our kernels, one kernel thread per worker; engine onnx: onnxruntime-node
on the model exported in memory at startup). SIGHUP: reload the model file; requests in flight
finish on the old model, and a file that does not load is refused with a log line while the old
model keeps serving. SIGINT / SIGTERM: stop accepting, finish in-flight requests, stop the
workers, exit 0.

Options:
  --model PATH          a run folder (uses its model.safetensors) or a model file
  --host ADDR           address to bind (default ${D.host})
  --port N              port (default ${D.port}; 0 picks a free one)
  --workers N           inference threads (default: cores - 1, at least 1)
  --engine NAME         slimctr (default) or onnx
  --max-batch N         most rows per forward pass (default ${D.maxBatch})
  --max-wait-ms MS      longest a row waits for others to batch with (default ${D.maxWaitMs})
  --max-rows N          most rows per request (default ${D.maxRows})
  --max-queued-rows N   most rows waiting for a batch before requests get 503 (default ${D.maxQueuedRows})
  --max-body-bytes N    largest request body (default ${D.maxBodyBytes})
  --name NAME           the model's name in /v1 and /v2 routes (default: its kind, e.g. deepfm)
  --allow-unknown-columns
                        ignore object-row keys that are neither model inputs nor columns of the
                        training file (default: 400 naming them, as a misspelt column would be)`,
  async run(argv) {
    const { values, flags, rest } = takeFlags(
      argv,
      [
        'model',
        'host',
        'port',
        'workers',
        'engine',
        'max-batch',
        'max-wait-ms',
        'max-rows',
        'max-queued-rows',
        'max-body-bytes',
        'name',
      ],
      ['allow-unknown-columns'],
    );
    if (rest.length) throw new UsageError(`unknown argument '${rest[0]}' (see slimctr serve --help)`);
    if (!values.model) throw new UsageError('--model RUN_OR_FILE is required');
    const engineName = (values.engine ?? D.engine) as EngineName;
    if (!ENGINES.includes(engineName))
      throw new UsageError(`--engine ${values.engine}: unknown engine (known: ${ENGINES.join(', ')})`);
    const port = nonNegative('port', values.port, D.port);
    if (!Number.isInteger(port) || port > 65535)
      throw new UsageError(`--port must be an integer 0..65535, got '${values.port}'`);
    const opts: ServeOptions = {
      host: values.host ?? D.host,
      port,
      workers: positiveInt('workers', values.workers, Math.max(1, availableParallelism() - 1)),
      engine: engineName,
      maxBatch: positiveInt('max-batch', values['max-batch'], D.maxBatch),
      maxWaitMs: nonNegative('max-wait-ms', values['max-wait-ms'], D.maxWaitMs),
      maxRows: positiveInt('max-rows', values['max-rows'], D.maxRows),
      maxQueuedRows: positiveInt('max-queued-rows', values['max-queued-rows'], D.maxQueuedRows),
      ...(values.name !== undefined ? { name: values.name } : {}),
      maxBodyBytes: positiveInt('max-body-bytes', values['max-body-bytes'], D.maxBodyBytes),
      drainTimeoutMs: D.drainTimeoutMs,
      allowUnknownColumns: flags.has('allow-unknown-columns'),
    };
    const path = modelPathOf(values.model);
    const server = await PredictionServer.start(path, opts);
    process.stdout.write(
      `slimctr serve: ${server.meta.kind}${server.meta.compression ? ' (compressed)' : ''} from ${path} listening on ${server.url} (engine ${opts.engine}, ${opts.workers} worker${opts.workers > 1 ? 's' : ''})\n`,
    );
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
    });
    const s = server.metadata().stats as Record<string, number>;
    process.stdout.write(
      `slimctr serve: stopped after ${s.requests} requests, ${s.rows} rows in ${s.batches} batches\n`,
    );
    return 0;
  },
};
