/**
 * What GET /metrics reports, in the Prometheus text format (prom-client): requests by route and
 * status, rows scored, the rows of each batch, request latency, requests turned away (overload)
 * and model reloads. One registry per server, so several servers in a process keep their own.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export class ServerMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'slimctr_requests_total',
    help: 'HTTP requests answered, by route and status code',
    labelNames: ['route', 'status'],
    registers: [this.registry],
  });
  readonly rows = new Counter({ name: 'slimctr_rows_total', help: 'Rows scored', registers: [this.registry] });
  readonly batchRows = new Histogram({
    name: 'slimctr_batch_rows',
    help: 'Rows per forward pass (micro-batch)',
    registers: [this.registry],
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096],
  });
  readonly latency = new Histogram({
    name: 'slimctr_request_duration_seconds',
    help: 'Time from a request\u2019s last byte to its answer, by route',
    labelNames: ['route'],
    registers: [this.registry],
    buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2],
  });
  readonly rejected = new Counter({
    name: 'slimctr_rejected_requests_total',
    help: 'Requests turned away, by reason (overload: 503; invalid: 4xx)',
    labelNames: ['reason'],
    registers: [this.registry],
  });
  readonly queuedRows = new Gauge({
    name: 'slimctr_queued_rows',
    help: 'Rows waiting for a batch',
    registers: [this.registry],
  });
  readonly reloads = new Counter({
    name: 'slimctr_model_reloads_total',
    help: 'Model reloads, by result',
    labelNames: ['result'],
    registers: [this.registry],
  });

  /** The exposition text and its content type. */
  async render(): Promise<{ text: string; contentType: string }> {
    return { text: await this.registry.metrics(), contentType: this.registry.contentType };
  }
}
