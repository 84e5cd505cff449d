/**
 * A training run's folder: `runs/<name>-<UTC timestamp>` (or a given path) holding
 *   config.yaml    the resolved config (written atomically)
 *   metrics.jsonl  one JSON object per line, appended and fsynced one record at a time
 *   log.txt        timestamped log lines
 * An existing non-empty folder is never reused unless `overwrite` is set.
 */
import {
  appendFileSync,
  rmSync,
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  statSync,
  writeSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { stringify as toYaml } from 'yaml';
import { writeFileAtomic } from '../io/atomic.js';
import { DataError, UsageError } from '../util/errors.js';
import { CONFIG_FILE, LOG_FILE, METRICS_FILE } from '../persist/run_files.js';

export interface RunDirOptions {
  /** Use exactly this folder. */
  path?: string;
  /** Parent of generated folders (default "runs"). */
  root?: string;
  /** Name prefix of generated folders (default "run"). */
  name?: string;
  /** Reuse a non-empty folder: config.yaml is replaced, metrics.jsonl and log.txt are emptied. */
  overwrite?: boolean;
  /** Files of an earlier run removed before anything else when overwriting (models, checkpoints). */
  artifacts?: readonly string[];
  /** Time used in the folder name and log lines (default: the current time). */
  now?: () => Date;
}

/** 20261126-065733 (UTC) */
export function timestamp(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
}

function isEmptyOrMissing(path: string): boolean {
  if (!existsSync(path)) return true;
  if (!statSync(path).isDirectory()) throw new UsageError(`run folder ${path} exists and is not a folder`);
  return readdirSync(path).length === 0;
}

export class RunDir {
  readonly configPath: string;
  readonly metricsPath: string;
  readonly logPath: string;
  private readonly now: () => Date;

  private constructor(
    readonly path: string,
    now: () => Date,
  ) {
    this.configPath = join(path, CONFIG_FILE);
    this.metricsPath = join(path, METRICS_FILE);
    this.logPath = join(path, LOG_FILE);
    this.now = now;
  }

  /** Creates (or, with overwrite, reuses) the run folder and its empty metrics and log files. */
  static create(options: RunDirOptions = {}): RunDir {
    const now = options.now ?? (() => new Date());
    let path: string;
    if (options.path !== undefined) {
      path = resolve(options.path);
      if (!options.overwrite && !isEmptyOrMissing(path)) {
        throw new UsageError(
          `run folder ${path} already exists and is not empty; choose another folder or allow overwriting`,
        );
      }
    } else {
      const name = (options.name ?? 'run').replace(/[^\w.-]+/g, '_');
      const base = join(resolve(options.root ?? 'runs'), `${name}-${timestamp(now())}`);
      path = base;
      for (let i = 2; !isEmptyOrMissing(path); i++) path = `${base}-${i}`;
    }
    mkdirSync(path, { recursive: true });
    for (const f of options.artifacts ?? []) rmSync(join(path, f), { force: true });
    const run = new RunDir(path, now);
    writeFileAtomic(run.metricsPath, '');
    writeFileAtomic(run.logPath, '');
    return run;
  }

  /** An existing run folder (to resume it): its metrics and log are appended to, never emptied. */
  static open(path: string, now: () => Date = () => new Date()): RunDir {
    const dir = resolve(path);
    if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`run folder ${dir} does not exist`);
    const run = new RunDir(dir, now);
    for (const f of [run.metricsPath, run.logPath]) if (!existsSync(f)) writeFileAtomic(f, '');
    return run;
  }

  /** Path of another file inside the run folder (checkpoints, plots). */
  file(name: string): string {
    return join(this.path, name);
  }

  /** Writes the resolved config as YAML, atomically. */
  writeConfig(config: object): void {
    writeFileAtomic(this.configPath, toYaml(config));
  }

  /** Appends one JSON object as a line and fsyncs, so a crash loses at most the record being written. */
  appendMetrics(record: object): void {
    const line = `${JSON.stringify(record)}\n`;
    if (line.slice(0, -1).includes('\n')) throw new Error('internal: appendMetrics: record serialized with a newline');
    const fd = openSync(this.metricsPath, 'a');
    try {
      const buf = Buffer.from(line, 'utf8');
      let off = 0;
      while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  /** Appends a timestamped line to log.txt. */
  log(message: string): void {
    appendFileSync(this.logPath, `${this.now().toISOString()} ${message}\n`);
  }
}

/**
 * Reads metrics.jsonl back. A torn last line (a crash mid-append) is skipped; a bad line
 * anywhere else is an error.
 */
export function readMetrics(path: string): Record<string, unknown>[] {
  const lines = readFileSync(path, 'utf8').split('\n');
  const out: Record<string, unknown>[] = [];
  lines.forEach((line, i) => {
    if (line === '') return;
    try {
      out.push(JSON.parse(line));
    } catch (err) {
      const last = i === lines.length - 1; // no newline after it: the write was cut short
      if (!last) throw new DataError(path, i + 1, 0, `not a JSON line (${(err as Error).message})`);
    }
  });
  return out;
}
