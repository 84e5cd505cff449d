/**
 * Per-epoch training progress. Three modes:
 *   tty   one line redrawn in place (bar, samples/s, ETA, running loss), at most every `intervalMs`
 *   plain (stdout not a terminal, e.g. a log file) one line every `intervalMs` (default 10 s)
 *   json  one JSON object per line for each evaluation (and log message), nothing else
 * The stream and the clock are injectable so tests can drive both.
 */

export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export type ProgressMode = 'auto' | 'tty' | 'plain' | 'json';

export interface ProgressOptions {
  stream?: ProgressStream;
  /** 'auto' (default): tty when stream.isTTY, else plain. */
  mode?: ProgressMode;
  /** Minimum time between progress lines: default 100 ms on a tty, 10 s in plain mode. */
  intervalMs?: number;
  /** Total epochs, shown as "epoch 2/10". */
  epochs?: number;
  /** Clock in milliseconds (default performance.now). */
  now?: () => number;
}

/** An evaluation result: epoch and step plus metric values. */
export type EvalEvent = Record<string, number | string | boolean | null>;

/** "1:02:03" / "2:03" for a duration in seconds. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** 950, 12.3k, 4.56M */
export function formatCount(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)}G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(1)}k`;
  return String(Math.round(n));
}

/** A learning rate as people write it: 0.001, 1e-7 (6 significant digits, no float noise). */
export function formatLr(lr: number): string {
  return String(Number(lr.toPrecision(6)));
}

function formatValue(key: string, v: EvalEvent[string]): string {
  if (key === 'lr' && typeof v === 'number') return formatLr(v);
  return typeof v === 'number' && !Number.isInteger(v) ? v.toFixed(6) : String(v);
}

export class ProgressReporter {
  readonly mode: Exclude<ProgressMode, 'auto'>;
  private readonly stream: ProgressStream;
  private readonly now: () => number;
  private readonly intervalMs: number;
  private readonly epochs?: number;
  private epoch = 0;
  private total = 0;
  private done = 0;
  private lossSum = 0;
  private start = 0;
  private lastDraw = -Infinity;
  private lineShown = false;

  constructor(options: ProgressOptions = {}) {
    this.stream = options.stream ?? process.stdout;
    const mode = options.mode ?? 'auto';
    this.mode = mode === 'auto' ? (this.stream.isTTY ? 'tty' : 'plain') : mode;
    this.now = options.now ?? (() => performance.now());
    this.intervalMs = options.intervalMs ?? (this.mode === 'tty' ? 100 : 10_000);
    this.epochs = options.epochs;
  }

  /** Starts an epoch of `totalSamples` samples (0 if unknown: no bar or ETA). */
  startEpoch(epoch: number, totalSamples = 0): void {
    this.epoch = epoch;
    this.total = totalSamples;
    this.done = 0;
    this.lossSum = 0;
    this.start = this.now();
    this.lastDraw = this.start;
  }

  /** Records a finished batch of `samples` samples with mean loss `loss`. */
  step(samples: number, loss: number): void {
    this.done += samples;
    this.lossSum += loss * samples;
    if (this.mode === 'json') return;
    const t = this.now();
    if (t - this.lastDraw < this.intervalMs) return;
    this.lastDraw = t;
    if (this.mode === 'tty') this.drawTty();
    else this.stream.write(`${this.statusLine()}\n`);
  }

  /** Sample-weighted mean loss of the epoch so far. */
  get runningLoss(): number {
    return this.done > 0 ? this.lossSum / this.done : NaN;
  }

  /** Samples per second over the epoch so far. */
  get samplesPerSecond(): number {
    const sec = (this.now() - this.start) / 1000;
    return sec > 0 ? this.done / sec : 0;
  }

  /** The status text: epoch, percentage, counts, speed, ETA, running loss. */
  statusLine(barWidth = 0): string {
    const rate = this.samplesPerSecond;
    const parts = [`epoch ${this.epoch}${this.epochs ? `/${this.epochs}` : ''}`];
    if (this.total > 0) {
      const frac = Math.min(1, this.done / this.total);
      if (barWidth > 0) {
        const full = Math.round(frac * barWidth);
        parts.push(`[${'#'.repeat(full)}${'.'.repeat(barWidth - full)}]`);
      }
      parts.push(`${(frac * 100).toFixed(1)}%`, `${formatCount(this.done)}/${formatCount(this.total)}`);
    } else {
      parts.push(formatCount(this.done));
    }
    parts.push(`${formatCount(rate)} samples/s`);
    if (this.total > 0) parts.push(`ETA ${rate > 0 ? formatDuration((this.total - this.done) / rate) : '?'}`);
    parts.push(`loss ${Number.isNaN(this.runningLoss) ? '-' : this.runningLoss.toFixed(4)}`);
    return parts.join('  ');
  }

  private drawTty(): void {
    const columns = this.stream.columns ?? 80;
    const bar = Math.max(0, Math.min(30, columns - 80));
    const line = this.statusLine(bar).slice(0, Math.max(10, columns - 1));
    this.stream.write(`\r${line}\x1b[K`);
    this.lineShown = true;
  }

  /** Puts a full line above the progress line (tty) or just writes it. */
  private printLine(text: string): void {
    if (this.mode === 'tty' && this.lineShown) {
      this.stream.write(`\r\x1b[K${text}\n`);
      this.drawTty();
    } else {
      this.stream.write(`${text}\n`);
    }
  }

  /** Reports an evaluation: a readable line, or one JSON object in json mode. */
  evaluation(event: EvalEvent): void {
    if (this.mode === 'json') {
      this.stream.write(`${JSON.stringify({ event: 'eval', ...event })}\n`);
      return;
    }
    const fields = Object.entries(event).map(([k, v]) => `${k} ${formatValue(k, v)}`);
    this.printLine(`eval  ${fields.join('  ')}`);
  }

  /** A free-form message (a JSON object with event "log" in json mode). */
  log(message: string): void {
    if (this.mode === 'json') this.stream.write(`${JSON.stringify({ event: 'log', message })}\n`);
    else this.printLine(message);
  }

  /** Ends the epoch with a final summary line (nothing in json mode). */
  endEpoch(): void {
    if (this.mode === 'json') return;
    const secs = (this.now() - this.start) / 1000;
    const summary = `epoch ${this.epoch}${this.epochs ? `/${this.epochs}` : ''} done  ${formatCount(this.done)} samples in ${formatDuration(secs)}  ${formatCount(this.samplesPerSecond)} samples/s  loss ${Number.isNaN(this.runningLoss) ? '-' : this.runningLoss.toFixed(4)}`;
    if (this.mode === 'tty' && this.lineShown) this.stream.write(`\r\x1b[K`);
    this.lineShown = false;
    this.stream.write(`${summary}\n`);
  }
}
