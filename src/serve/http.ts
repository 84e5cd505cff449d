/**
 * The model server: POST /predict (JSON rows of raw values -> probabilities), GET /health and
 * GET /metadata, on node:http. Requests are encoded on the event loop (cheap), micro-batched
 * across clients (batcher.ts) and scored on worker threads (pool.ts), so the event loop never
 * runs a forward pass. `close()` stops accepting connections, lets in-flight requests finish,
 * then stops the workers.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Encoders } from '../data/index.js';
import { engine, initEngine } from '../kernels/engine.js';
import { loadModel, loadModelParts, type ModelMeta } from '../persist/model_file.js';
import { ModelFileError, RequestError } from '../util/errors.js';
import { VERSION } from '../version.js';
import { MicroBatcher } from './batcher.js';
import { exportOnnx } from './onnx/export.js';
import { InferencePool } from './pool.js';
import { encodePredictBody } from './request.js';
import { checkOnnxRuntime, type EngineName } from './runners.js';

export interface ServeOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  workers: number;
  engine: EngineName;
  maxBatch: number;
  maxWaitMs: number;
  /** Largest request body accepted (bigger: 413). */
  maxBodyBytes: number;
  /** Most rows in one request (more: 400). */
  maxRows: number;
  /** How long close() waits for in-flight requests before cutting connections. */
  drainTimeoutMs: number;
  /** Accept (and ignore) object-row keys that are neither inputs nor training-file columns (default: 400). */
  allowUnknownColumns?: boolean;
}

export const SERVE_DEFAULTS: Omit<ServeOptions, 'workers'> = {
  host: '127.0.0.1', port: 8080, engine: 'slimctr', maxBatch: 256, maxWaitMs: 2, maxBodyBytes: 1 << 20, maxRows: 10_000, drainTimeoutMs: 10_000,
};

const ROUTES = 'POST /predict, GET /health, GET /metadata';

/** The ONNX bytes of a model file, exported on this thread (starts a one-thread engine if none runs). */
async function exportInMemory(modelPath: string): Promise<Uint8Array> {
  try {
    engine();
  } catch {
    await initEngine({ threads: 1 });
  }
  const { model, meta } = loadModel(modelPath);
  return exportOnnx(model, meta.features);
}

export class PredictionServer {
  private readonly http: Server;
  private readonly batcher: MicroBatcher;
  private closing: Promise<void> | null = null;
  private badRequests = 0;
  private readonly started = Date.now();
  /** Keys an object row may carry: the inputs and the training file's columns (null: any). */
  private readonly knownColumns: ReadonlySet<string> | null;

  private constructor(readonly modelPath: string, readonly meta: ModelMeta, readonly encoders: Encoders, private readonly pool: InferencePool, readonly opts: ServeOptions) {
    this.batcher = new MicroBatcher(
      { maxBatch: opts.maxBatch, maxWaitMs: opts.maxWaitMs, numCategorical: encoders.numCategorical, numDense: encoders.numDense },
      { run: (rows, ids, dense) => pool.run(rows, ids, dense), hasIdleWorker: () => pool.hasIdleWorker() },
    );
    pool.onIdle = () => this.batcher.pump();
    const r = meta.reader;
    this.knownColumns = opts.allowUnknownColumns ? null : new Set([...encoders.inputColumns, ...(r?.columns ?? []), ...(r?.label ? [r.label] : [])]);
    this.http = createServer((req, res) => this.handle(req, res));
    // A client may half-close after sending its request (HTTP/1.0 style): still answer it.
    (this.http as Server & { httpAllowHalfOpen: boolean }).httpAllowHalfOpen = true;
  }

  /** Loads the model's metadata, starts the workers (each loads the model), then listens. */
  static async start(modelPath: string, opts: ServeOptions): Promise<PredictionServer> {
    const meta = loadModelParts(modelPath).meta;
    if (!meta.encoders) throw new ModelFileError(modelPath, 'the model file has no encoders, so raw rows cannot be encoded for it');
    const encoders = Encoders.fromJSON(meta.encoders, `${modelPath} (encoders)`);
    if (opts.engine === 'onnx') await checkOnnxRuntime();
    const onnx = opts.engine === 'onnx' ? await exportInMemory(modelPath) : undefined;
    const pool = await InferencePool.start({ engine: opts.engine, modelPath, onnx, numCategorical: encoders.numCategorical, numDense: encoders.numDense }, opts.workers);
    const server = new PredictionServer(modelPath, meta, encoders, pool, opts);
    try {
      await new Promise<void>((resolve, reject) => {
        server.http.once('error', reject);
        server.http.listen(opts.port, opts.host, () => resolve());
      });
    } catch (err) {
      await pool.close();
      throw err;
    }
    return server;
  }

  get address(): AddressInfo {
    return this.http.address() as AddressInfo;
  }

  get url(): string {
    const a = this.address;
    return `http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`;
  }

  /** What GET /metadata returns. */
  metadata(): Record<string, unknown> {
    const m = this.meta;
    return {
      kind: m.kind,
      options: m.options,
      features: m.features,
      input_columns: this.encoders.inputColumns,
      params: m.params,
      compression: m.compression ?? null,
      slimctr_version: m.slimctr_version,
      server_version: VERSION,
      training: m.training ? { epoch: m.training.epoch, step: m.training.step, metrics: m.training.metrics } : null,
      serving: {
        engine: this.opts.engine, workers: this.pool.size, max_batch: this.opts.maxBatch, max_wait_ms: this.opts.maxWaitMs,
        max_rows: this.opts.maxRows, max_body_bytes: this.opts.maxBodyBytes, allow_unknown_columns: this.knownColumns === null, uptime_s: (Date.now() - this.started) / 1000,
      },
      stats: { ...this.batcher.stats, bad_requests: this.badRequests },
    };
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '/').split('?')[0];
    const route = (method: string, ok: () => void): void => {
      if (req.method === method) ok();
      else {
        res.setHeader('allow', method);
        this.fail(res, new RequestError(405, `${path} takes ${method}, not ${req.method}`));
      }
    };
    if (path === '/predict') route('POST', () => this.predict(req, res));
    // While draining, 503 so load balancers stop routing here.
    else if (path === '/health') route('GET', () => this.send(res, this.closing ? 503 : 200, { status: this.closing ? 'closing' : 'ok', workers: this.pool.size }));
    else if (path === '/metadata') route('GET', () => this.send(res, 200, this.metadata()));
    else this.fail(res, new RequestError(404, `no route ${req.method} ${path} (routes: ${ROUTES})`));
  }

  private predict(req: IncomingMessage, res: ServerResponse): void {
    const limit = this.opts.maxBodyBytes;
    const declared = Number(req.headers['content-length'] ?? 0);
    const chunks: Buffer[] = [];
    let bytes = 0;
    let tooLarge = declared > limit;
    req.on('data', (c: Buffer) => {
      bytes += c.length;
      if (bytes > limit) tooLarge = true;
      if (!tooLarge) chunks.push(c);
    });
    req.on('error', () => res.destroy());
    req.on('end', () => {
      if (tooLarge) {
        this.fail(res, new RequestError(413, `the body is ${Math.max(bytes, declared)} bytes; the limit is ${limit} (--max-body-bytes)`));
        return;
      }
      let encoded;
      try {
        encoded = encodePredictBody(Buffer.concat(chunks).toString('utf8'), this.encoders, this.opts.maxRows, this.knownColumns);
      } catch (err) {
        this.fail(res, err);
        return;
      }
      this.batcher.submit(encoded).then(
        (probs) => {
          const nan = probs.findIndex(Number.isNaN);
          if (nan >= 0) this.fail(res, new RequestError(400, `rows[${nan}]: the model's score is NaN (numeric inputs far outside the training range?)`));
          else this.send(res, 200, { predictions: Array.from(probs) });
        },
        (err) => this.fail(res, err),
      );
    });
  }

  private fail(res: ServerResponse, err: unknown): void {
    if (err instanceof RequestError) {
      this.badRequests++;
      this.send(res, err.status, { error: err.message });
    } else this.send(res, 500, { error: err instanceof Error ? err.message : String(err) });
  }

  private send(res: ServerResponse, status: number, body: unknown): void {
    if (res.headersSent || res.destroyed) return;
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...(this.closing ? { connection: 'close' } : {}) });
    res.end(text);
  }

  /** Stops accepting, drains in-flight requests (up to drainTimeoutMs), stops the workers. */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    this.closing = (async () => {
      const closed = new Promise<void>((resolve) => this.http.close(() => resolve()));
      const sweep = setInterval(() => this.http.closeIdleConnections(), 25);
      const force = setTimeout(() => this.http.closeAllConnections(), this.opts.drainTimeoutMs);
      this.http.closeIdleConnections();
      await closed;
      clearInterval(sweep);
      clearTimeout(force);
      await this.pool.close();
    })();
    return this.closing;
  }
}
