/**
 * A pool of inference worker threads (worker.ts), each holding the model once. Batches go to an
 * idle worker or wait in a FIFO; `onIdle` fires whenever a worker finishes so the batcher can
 * send what is due. A worker that dies fails its batch and is replaced.
 */
import { Worker } from 'node:worker_threads';
import type { BatchJob, InferenceWorkerInit, WorkerReply } from './worker.js';

interface Job {
  msg: BatchJob;
  resolve(p: Float64Array): void;
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
    if (job && m.type === 'result' && m.id === job.msg.id) job.resolve(m.probs);
    else if (job && m.type === 'error') job.reject(new Error(`inference failed: ${m.message}`));
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

  run(rows: number, ids: Int32Array, dense: Float32Array): Promise<Float64Array> {
    if (this.closing) return Promise.reject(new Error('the inference pool is closed'));
    return new Promise((resolve, reject) => {
      this.waiting.push({ msg: { id: this.nextId++, rows, ids, dense }, resolve, reject });
      this.dispatch();
    });
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (this.waiting.length === 0) return;
      if (slot.job) continue;
      const job = this.waiting.shift()!;
      slot.job = job;
      slot.worker.postMessage(job.msg, [job.msg.ids.buffer as ArrayBuffer, job.msg.dense.buffer as ArrayBuffer]);
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
