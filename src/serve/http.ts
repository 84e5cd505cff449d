/**
 * The model server on node:http. Routes:
 * - POST /predict and TensorFlow Serving's POST /v1/models/NAME:predict: raw rows (three body
 *   forms, request.ts) -> {"predictions": [...]};
 * - the Open Inference Protocol (KServe v2, Triton): POST /v2/models/NAME/infer (JSON, or with the
 *   binary tensor data extension: the Inference-Header-Content-Length header goes to the worker with
 *   the body, v2_binary.ts), GET /v2, /v2/health/live, /v2/health/ready, /v2/models/NAME,
 *   /v2/models/NAME/ready (v2.ts);
 * - GET /health, GET /metadata, and GET /metrics (Prometheus text, metrics.ts).
 * The event loop only moves bytes: bodies are parsed and encoded on the worker threads, their rows
 * micro-batched across clients (batcher.ts) and scored on the same workers (pool.ts). Past --max-queued-rows a request gets 503 with Retry-After. `reload()`
 * swaps in a new model file (a generation, generation.ts) while in-flight requests finish on the
 * old one; a file that does not load leaves the old model serving. `close()` stops accepting,
 * lets in-flight requests finish, then stops the workers.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RequestError } from '../util/errors.js';
import { VERSION } from '../version.js';
import { Generation, type GenerationOptions } from './generation.js';
import { ServerMetrics } from './metrics.js';
import type { ParsedRequest } from './pool.js';
import type { BodyForm } from './worker.js';
import { serverMetadata } from './v2.js';
import { float32Bytes } from './v2_binary.js';

/** A 200 answer: its JSON, and for a binary v2 output the bytes that follow it. */
type Answer = { json: unknown; tail?: Uint8Array };

export interface ServeOptions extends GenerationOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** Largest request body accepted (bigger: 413). */
  maxBodyBytes: number;
  /** How long close() waits for in-flight requests before cutting connections. */
  drainTimeoutMs: number;
  /** The model's name in /v1 and /v2 routes (default: the model's kind). */
  name?: string;
}

export const SERVE_DEFAULTS: Omit<ServeOptions, 'workers'> = {
  host: '127.0.0.1',
  port: 8080,
  engine: 'slimctr',
  maxBatch: 256,
  maxWaitMs: 2,
  maxBodyBytes: 1 << 20,
  maxRows: 10_000,
  maxQueuedRows: 100_000,
  drainTimeoutMs: 10_000,
};

const ROUTES =
  'POST /predict, POST /v1/models/NAME:predict, POST /v2/models/NAME/infer, GET /v2, /v2/health/live, /v2/health/ready, /v2/models/NAME, GET /health, /metadata, /metrics';

export class PredictionServer {
  private readonly http: Server;
  private current: Generation;
  private closing: Promise<void> | null = null;
  private badRequests = 0;
  private reloads = 0;
  private readonly started = Date.now();
  readonly metrics = new ServerMetrics();
  readonly name: string;

  private constructor(
    first: Generation,
    readonly opts: ServeOptions,
  ) {
    this.current = first;
    this.name = opts.name ?? first.kind;
    this.watch(first);
    this.http = createServer((req, res) => this.handle(req, res));
    // A client may half-close after sending its request (HTTP/1.0 style): still answer it.
    (this.http as Server & { httpAllowHalfOpen: boolean }).httpAllowHalfOpen = true;
  }

  /** Loads the model, starts the workers (each loads the model), then listens. */
  static async start(modelPath: string, opts: ServeOptions): Promise<PredictionServer> {
    const server = new PredictionServer(await Generation.start(modelPath, opts), opts);
    try {
      await new Promise<void>((resolve, reject) => {
        server.http.once('error', reject);
        server.http.listen(opts.port, opts.host, () => resolve());
      });
    } catch (err) {
      await server.current.pool.close();
      throw err;
    }
    return server;
  }

  get modelPath(): string {
    return this.current.modelPath;
  }

  /** The model file's metadata (null when serving an imported ONNX graph). */
  get meta(): Generation['meta'] {
    return this.current.meta;
  }

  get address(): AddressInfo {
    return this.http.address() as AddressInfo;
  }

  get url(): string {
    const a = this.address;
    return `http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`;
  }

  private watch(g: Generation): void {
    g.batcher.onBatch = (rows) => this.metrics.batchRows.observe(rows);
  }

  /**
   * Loads `modelPath` (default: the file being served, re-read) as a new generation and switches
   * to it; the old one finishes what it holds, then stops. Throws (and keeps serving the old model)
   * when the file does not load.
   */
  async reload(modelPath = this.current.modelPath): Promise<void> {
    let next: Generation;
    try {
      next = await Generation.start(modelPath, this.opts);
    } catch (err) {
      this.metrics.reloads.inc({ result: 'refused' });
      throw err;
    }
    const old = this.current;
    this.watch(next);
    this.current = next;
    this.reloads++;
    this.metrics.reloads.inc({ result: 'ok' });
    await old.retire();
  }

  /** What GET /metadata returns. */
  metadata(): Record<string, unknown> {
    const g = this.current;
    return {
      name: this.name,
      ...g.describe(),
      server_version: VERSION,
      serving: {
        engine: this.opts.engine,
        workers: g.pool.size,
        max_batch: this.opts.maxBatch,
        max_wait_ms: this.opts.maxWaitMs,
        max_rows: this.opts.maxRows,
        max_queued_rows: this.opts.maxQueuedRows,
        max_body_bytes: this.opts.maxBodyBytes,
        allow_unknown_columns: g.meta ? g.knownColumns === null : undefined,
        uptime_s: (Date.now() - this.started) / 1000,
        reloads: this.reloads,
      },
      stats: { ...g.batcher.stats, bad_requests: this.badRequests },
    };
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '/').split('?')[0];
    const started = performance.now();
    const done =
      (route: string) =>
      (status: number): void => {
        this.metrics.requests.inc({ route, status: String(status) });
        this.metrics.latency.observe({ route }, (performance.now() - started) / 1000);
      };
    const route = (name: string, method: string, ok: (finish: (status: number) => void) => void): void => {
      if (req.method === method) ok(done(name));
      else {
        res.setHeader('allow', method);
        this.fail(res, new RequestError(405, `${path} takes ${method}, not ${req.method}`), done(name));
      }
    };
    const model = /^\/v[12]\/models\/([^/:]+)(?:\/versions\/[^/:]+)?(:predict|\/infer|\/ready)?$/.exec(path);
    const ready = !this.closing;
    const predictions = (p: Float64Array): Answer => ({ json: { predictions: Array.from(p) } });
    if (path === '/predict') route('predict', 'POST', (f) => this.predict(req, res, f, 'predict', predictions));
    else if (model && !this.known(model[1]))
      this.fail(
        res,
        new RequestError(404, `no model '${model[1]}' here (this server serves '${this.name}')`),
        done('unknown_model'),
      );
    else if (model && path.startsWith('/v1/') && model[2] === ':predict') {
      route('v1_predict', 'POST', (f) => this.predict(req, res, f, 'predict', predictions));
    } else if (model && path.startsWith('/v2/') && model[2] === '/infer') {
      route('v2_infer', 'POST', (f) =>
        this.predict(req, res, f, 'v2', (p, { requestId, binaryOutput }) => ({
          json: this.current.v2Answer(this.name, requestId, p, binaryOutput),
          tail: binaryOutput ? float32Bytes(p) : undefined,
        })),
      );
    } else if (model && path.startsWith('/v2/') && model[2] === '/ready')
      route('v2_ready', 'GET', (f) => this.send(res, ready ? 200 : 503, { name: this.name, ready }, f));
    else if (model && path.startsWith('/v2/') && model[2] === undefined)
      route('v2_metadata', 'GET', (f) => this.send(res, 200, this.current.v2Metadata(this.name), f));
    else if (path === '/v2') route('v2_server', 'GET', (f) => this.send(res, 200, serverMetadata(), f));
    else if (path === '/v2/health/live') route('v2_live', 'GET', (f) => this.send(res, 200, { live: true }, f));
    else if (path === '/v2/health/ready')
      route('v2_ready', 'GET', (f) => this.send(res, ready ? 200 : 503, { ready }, f));
    // While draining, 503 so load balancers stop routing here.
    else if (path === '/health')
      route('health', 'GET', (f) =>
        this.send(res, ready ? 200 : 503, { status: ready ? 'ok' : 'closing', workers: this.current.pool.size }, f),
      );
    else if (path === '/metadata') route('metadata', 'GET', (f) => this.send(res, 200, this.metadata(), f));
    else if (path === '/metrics') route('metrics', 'GET', (f) => this.sendMetrics(res, f));
    else this.fail(res, new RequestError(404, `no route ${req.method} ${path} (routes: ${ROUTES})`), done('unknown'));
  }

  private known(name: string): boolean {
    return decodeURIComponent(name) === this.name;
  }

  /**
   * Reads the body, has the current generation's workers parse and score it (with the v2 form, the
   * Inference-Header-Content-Length header goes along), and answers `reply(probabilities, request)`.
   */
  private predict(
    req: IncomingMessage,
    res: ServerResponse,
    finish: (status: number) => void,
    form: BodyForm,
    reply: (probs: Float64Array, parsed: Omit<ParsedRequest, 'ids' | 'dense' | 'rows'>) => Answer,
  ): void {
    const given = req.headers['inference-header-content-length'];
    const header = form === 'v2' && given !== undefined ? String(given) : null;
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
        this.fail(
          res,
          new RequestError(
            413,
            `the body is ${Math.max(bytes, declared)} bytes; the limit is ${limit} (--max-body-bytes)`,
          ),
          finish,
        );
        return;
      }
      // A body of its own (not a slice of Node's shared buffer pool), so it can be moved to a worker.
      const body = new Uint8Array(bytes);
      let at = 0;
      for (const c of chunks) {
        body.set(c, at);
        at += c.length;
      }
      void this.score(this.current, form, body, header).then(
        ({ probs, parsed }) => {
          const nan = probs.findIndex(Number.isNaN);
          if (nan >= 0)
            this.fail(
              res,
              new RequestError(
                400,
                `rows[${nan}]: the model's score is NaN (numeric inputs far outside the training range?)`,
              ),
              finish,
            );
          else {
            const { json, tail } = reply(probs, parsed);
            this.send(res, 200, json, finish, tail);
          }
        },
        (err) => this.fail(res, err, finish),
      );
    });
  }

  /** Parses a body on a worker of generation `g`, then queues its rows there (throws 503 past the queue cap). */
  private score(
    g: Generation,
    form: BodyForm,
    body: Uint8Array,
    header: string | null,
  ): Promise<{ probs: Float64Array; parsed: ParsedRequest }> {
    return g.serve(async () => {
      const parsed: ParsedRequest = await g.pool.parse(form, body, header);
      let pending: Promise<Float64Array>;
      try {
        pending = g.batcher.submit(parsed);
        this.metrics.rows.inc(parsed.rows);
      } finally {
        this.metrics.queuedRows.set(g.batcher.queued);
      }
      return { probs: await pending, parsed };
    });
  }

  private async sendMetrics(res: ServerResponse, finish: (status: number) => void): Promise<void> {
    const { text, contentType } = await this.metrics.render();
    finish(200);
    res.writeHead(200, { 'content-type': contentType, 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }

  private fail(res: ServerResponse, err: unknown, finish: (status: number) => void): void {
    if (err instanceof RequestError) {
      if (err.status === 503) this.metrics.rejected.inc({ reason: 'overload' });
      else {
        this.badRequests++;
        this.metrics.rejected.inc({ reason: 'invalid' });
      }
      if (err.retryAfterS !== undefined) res.setHeader('retry-after', String(err.retryAfterS));
      this.send(res, err.status, { error: err.message }, finish);
    } else this.send(res, 500, { error: err instanceof Error ? err.message : String(err) }, finish);
  }

  /** Answers `body` as JSON; with `tail` (binary tensor data), the JSON then those bytes, its length in Inference-Header-Content-Length. */
  private send(
    res: ServerResponse,
    status: number,
    body: unknown,
    finish: (status: number) => void,
    tail?: Uint8Array,
  ): void {
    if (res.headersSent || res.destroyed) return;
    finish(status);
    const text = JSON.stringify(body);
    const json = Buffer.byteLength(text);
    res.writeHead(status, {
      'content-type': tail ? 'application/octet-stream' : 'application/json',
      'content-length': json + (tail?.length ?? 0),
      ...(tail ? { 'inference-header-content-length': json } : {}),
      ...(this.closing ? { connection: 'close' } : {}),
    });
    if (tail) {
      res.write(text);
      res.end(tail);
    } else res.end(text);
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
      await this.current.pool.close();
    })();
    return this.closing;
  }
}
