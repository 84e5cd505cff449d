/**
 * Micro-batching across clients: requests' encoded rows queue up and leave as one batch when
 * `maxBatch` rows are waiting, or when the oldest has waited `maxWaitMs` and an inference worker
 * is free (while every worker is busy, rows keep gathering into a bigger batch). A request larger
 * than `maxBatch` is split over batches. Each batch runs one forward; its results are split back
 * to the requests.
 */
import { RequestError } from '../util/errors.js';
import type { EncodedRequest } from './request.js';

export interface BatchExecutor {
  /** Probabilities for `rows` encoded rows. */
  run(rows: number, ids: Int32Array, dense: Float32Array): Promise<Float64Array>;
  /** Whether a worker could start a batch now. */
  hasIdleWorker(): boolean;
}

export interface BatcherOptions {
  maxBatch: number;
  maxWaitMs: number;
  /** Most rows waiting for a batch; a request that would pass it is refused (503), so memory stays bounded. */
  maxQueuedRows: number;
  numCategorical: number;
  numDense: number;
}

export interface BatchStats {
  requests: number;
  rows: number;
  batches: number;
  /** Most rows in one batch so far. */
  max_batch_rows: number;
}

interface Waiting {
  req: EncodedRequest;
  /** Rows of the request not yet sent to a batch start here. */
  next: number;
  /** Rows whose result is still outstanding. */
  left: number;
  out: Float64Array;
  resolve(p: Float64Array): void;
  reject(err: unknown): void;
  failed: boolean;
}

/** Rows [from, from + n) of a waiting request, at row `at` of a batch. */
interface Part {
  w: Waiting;
  from: number;
  n: number;
  at: number;
}

export class MicroBatcher {
  private queue: Waiting[] = [];
  private queuedRows = 0;
  private timer: NodeJS.Timeout | null = null;
  private due = false;
  /** Batches sent and not yet answered. */
  private outstanding = 0;
  /** Called with the rows of each batch sent (metrics). */
  onBatch: (rows: number) => void = () => {};
  readonly stats: BatchStats = { requests: 0, rows: 0, batches: 0, max_batch_rows: 0 };

  constructor(
    private readonly opts: BatcherOptions,
    private readonly exec: BatchExecutor,
  ) {}

  /** Rows waiting for a batch. */
  get queued(): number {
    return this.queuedRows;
  }

  /** Whether nothing waits and no batch is out. */
  get idle(): boolean {
    return this.queuedRows === 0 && this.outstanding === 0;
  }

  /**
   * Queues a request's rows; resolves to one probability per row. Throws RequestError(503) at once,
   * queueing nothing, when its rows would take the queue past maxQueuedRows.
   */
  submit(req: EncodedRequest): Promise<Float64Array> {
    if (this.queuedRows > 0 && this.queuedRows + req.rows > this.opts.maxQueuedRows) {
      throw new RequestError(
        503,
        `overloaded: ${this.queuedRows} rows are waiting (at most ${this.opts.maxQueuedRows}); retry shortly`,
        1,
      );
    }
    this.stats.requests++;
    if (req.rows === 0) return Promise.resolve(new Float64Array(0));
    return new Promise((resolve, reject) => {
      this.queue.push({
        req,
        next: 0,
        left: req.rows,
        out: new Float64Array(req.rows),
        resolve,
        reject,
        failed: false,
      });
      this.queuedRows += req.rows;
      this.pump();
    });
  }

  /** Call when a worker becomes free: a batch that is due can go now. */
  pump(): void {
    while (this.queuedRows > 0 && (this.queuedRows >= this.opts.maxBatch || (this.due && this.exec.hasIdleWorker())))
      this.flush();
    if (this.queuedRows === 0) {
      this.due = false;
      if (this.timer) clearTimeout(this.timer);
      this.timer = null;
    } else if (!this.due && !this.timer) {
      if (this.opts.maxWaitMs <= 0) {
        this.due = true;
        queueMicrotask(() => this.pump());
      } else {
        this.timer = setTimeout(() => {
          this.timer = null;
          this.due = true;
          this.pump();
        }, this.opts.maxWaitMs);
      }
    }
  }

  private flush(): void {
    const { numCategorical: nc, numDense: nd } = this.opts;
    const take = Math.min(this.queuedRows, this.opts.maxBatch);
    const ids = new Int32Array(take * nc);
    const dense = new Float32Array(take * nd);
    const parts: Part[] = [];
    let at = 0;
    while (at < take) {
      const w = this.queue[0];
      const n = Math.min(w.req.rows - w.next, take - at);
      ids.set(w.req.ids.subarray(w.next * nc, (w.next + n) * nc), at * nc);
      dense.set(w.req.dense.subarray(w.next * nd, (w.next + n) * nd), at * nd);
      parts.push({ w, from: w.next, n, at });
      w.next += n;
      at += n;
      if (w.next === w.req.rows) this.queue.shift();
    }
    this.queuedRows -= take;
    this.stats.batches++;
    this.stats.rows += take;
    this.stats.max_batch_rows = Math.max(this.stats.max_batch_rows, take);
    this.onBatch(take);
    this.send(take, ids, dense, parts);
  }

  /**
   * Runs one batch and splits its results back. When the model refuses the batch's data (a
   * RequestError, e.g. an id outside a table) and it holds rows of several requests, each request's
   * rows run again on their own, so only the request at fault gets the error.
   */
  private send(rows: number, ids: Int32Array, dense: Float32Array, parts: Part[]): void {
    const { numCategorical: nc, numDense: nd } = this.opts;
    this.outstanding++;
    this.exec
      .run(rows, ids, dense)
      .finally(() => this.outstanding--)
      .then(
        (probs) => {
          for (const { w, from, n, at: a } of parts) {
            if (w.failed) continue;
            w.out.set(probs.subarray(a, a + n), from);
            w.left -= n;
            if (w.left === 0) w.resolve(w.out);
          }
        },
        (err) => {
          if (err instanceof RequestError && err.status < 500 && new Set(parts.map((p) => p.w)).size > 1) {
            for (const { w, from, n } of parts) {
              const own = (a: Int32Array | Float32Array, k: number) => a.slice(from * k, (from + n) * k);
              this.send(n, own(w.req.ids, nc) as Int32Array, own(w.req.dense, nd) as Float32Array, [
                { w, from, n, at: 0 },
              ]);
            }
            return;
          }
          for (const { w } of parts) {
            if (w.failed) continue;
            w.failed = true;
            w.reject(err);
          }
        },
      );
  }
}
