/**
 * A pool of inference worker threads (worker.ts), each holding the model and its encoders once.
 * Jobs (a request body to parse and encode, or a batch to score) go to an idle worker or wait in
 * a queue, bodies ahead of batches (they are short, and the batcher waits on them); `onIdle`
 * fires whenever a worker finishes so the batcher can send what is due. A worker that dies fails
 * its job and is replaced.
 */
import { Worker } from 'node:worker_threads';
import { RequestError } from '../util/errors.js';
import type { EncodedRequest } from './request.js';
import type { BodyForm, InferenceWorkerInit, WorkerJob, WorkerReply } from './worker.js';

/**
 * A request body parsed and encoded by a worker; `requestId` is the Open Inference Protocol's `id`,
 * `binaryOutput` whether it asked for its output as binary data.
 */
export type ParsedRequest = EncodedRequest & { requestId: string | null; binaryOutput: boolean };

interface Job {
  msg: WorkerJob;
  transfer: ArrayBuffer[];
  resolve(reply: WorkerReply): void;
  reject(err: Error): void;
}

interface Slot {
  worker: Worker;
  job: Job | null;
}

export class InferencePool {
  private readonly slots: Slot[] = [];
  private readonly waiting: Job[] = [];
  private nextId = 1;
  private closing = false;
  /** Called when a worker becomes free. */
  onIdle: () => void = () => {};

  private constructor(private readonly init: InferenceWorkerInit) {}

  /** Starts `workers` threads and waits until each has loaded the model. */
  static async start(init: InferenceWorkerInit, workers: number): Promise<InferencePool> {
    const pool = new InferencePool(init);
    try {
      await Promise.all(Array.from({ length: workers }, () => pool.spawn()));
    } catch (err) {
      await pool.close();
      throw err;
    }
    return pool;
  }

  get size(): number {
    return this.slots.length;
  }

  private spawn(): Promise<void> {
    const worker = new Worker(new URL('./worker.js', import.meta.url), { workerData: this.init });
    const slot: Slot = { worker, job: null };
    return new Promise((resolve, reject) => {
      let ready = false;
      worker.on('message', (m: WorkerReply) => {
        if (m.type === 'ready') {
          ready = true;
          this.slots.push(slot);
          resolve();
          this.dispatch();
        } else if (m.type === 'failed') reject(new Error(`inference worker could not start: ${m.message}`));
        else this.finish(slot, m);
      });
      worker.on('error', (err) => (ready ? this.lost(slot, err) : reject(err)));
      worker.on('exit', (code) => {
        if (!ready) reject(new Error(`inference worker exited with code ${code} while starting`));
        else this.lost(slot, new Error(`inference worker exited with code ${code}`));
      });
    });
  }

  private finish(slot: Slot, m: WorkerReply): void {
    const job = slot.job;
    slot.job = null;
    if (job && m.type === 'error') job.reject(new Error(`inference failed: ${m.message}`));
    else if (job && 'id' in m && m.id === job.msg.id) job.resolve(m);
    this.dispatch();
    this.onIdle();
  }

  private lost(slot: Slot, err: Error): void {
    const i = this.slots.indexOf(slot);
    if (i < 0) return;
    this.slots.splice(i, 1);
    slot.job?.reject(new Error(`inference failed: ${err.message}`));
    slot.job = null;
    if (!this.closing) this.spawn().catch(() => undefined);
  }

  hasIdleWorker(): boolean {
    return this.waiting.length === 0 && this.slots.some((s) => s.job === null);
  }

  /** Queues a job; a body to parse goes ahead of every batch (after the bodies already waiting). */
  private submit(msg: WorkerJob, transfer: ArrayBuffer[]): Promise<WorkerReply> {
    if (this.closing) return Promise.reject(new Error('the inference pool is closed'));
    return new Promise((resolve, reject) => {
      const job: Job = { msg, transfer, resolve, reject };
      const firstBatch = msg.type === 'parse' ? this.waiting.findIndex((j) => j.msg.type !== 'parse') : -1;
      this.waiting.splice(firstBatch < 0 ? this.waiting.length : firstBatch, 0, job);
      this.dispatch();
    });
  }

  /** Click probabilities of a batch of encoded rows; rows the model refuses (ids outside a table) reject with a RequestError(400). */
  async run(rows: number, ids: Int32Array, dense: Float32Array): Promise<Float64Array> {
    const m = await this.submit({ type: 'batch', id: this.nextId++, rows, ids, dense }, [
      ids.buffer as ArrayBuffer,
      dense.buffer as ArrayBuffer,
    ]);
    if (m.type === 'rejected') throw new RequestError(m.status, m.message);
    if (m.type !== 'result') throw new Error(`internal: inference failed: unexpected reply ${m.type} from a worker`);
    return m.probs;
  }

  /**
   * A request body parsed and encoded on a worker (`header`: its Inference-Header-Content-Length,
   * null when absent); a bad body rejects with its RequestError.
   */
  async parse(form: BodyForm, body: Uint8Array, header: string | null = null): Promise<ParsedRequest> {
    const m = await this.submit({ type: 'parse', id: this.nextId++, form, body, header }, [body.buffer as ArrayBuffer]);
    if (m.type === 'rejected') throw new RequestError(m.status, m.message);
    if (m.type !== 'parsed')
      throw new Error(`internal: request parsing failed: unexpected reply ${m.type} from a worker`);
    return { rows: m.rows, ids: m.ids, dense: m.dense, requestId: m.requestId, binaryOutput: m.binaryOutput };
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (this.waiting.length === 0) return;
      if (slot.job) continue;
      const job = this.waiting.shift()!;
      slot.job = job;
      slot.worker.postMessage(job.msg, job.transfer);
    }
  }

  /** Stops every worker; queued batches fail. */
  async close(): Promise<void> {
    this.closing = true;
    for (const j of this.waiting.splice(0)) j.reject(new Error('the inference pool is closed'));
    const slots = this.slots.splice(0);
    for (const s of slots) s.job?.reject(new Error('the inference pool is closed'));
    const workers = slots.map((s) => s.worker);
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
