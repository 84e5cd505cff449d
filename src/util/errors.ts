/**
 * One error type per kind of failure. Every error the user can cause is a SlimctrError subclass
 * with a message that says what was wrong and where; the CLI prints the message alone.
 */
export class SlimctrError extends Error {
  readonly exitCode: number = 1;
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A configuration value is missing or wrong; `path` is the dotted key, e.g. `model.embedding_dim`. */
export class ConfigError extends SlimctrError {
  override readonly exitCode: number = 2;
  constructor(
    readonly path: string,
    detail: string,
  ) {
    super(path ? `config ${path}: ${detail}` : `config: ${detail}`);
  }
}

/** A row of input data cannot be read; file, line and column are 1-based (0: not known, left out of the message). */
export class DataError extends SlimctrError {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly column: number,
    /** What is wrong, without the place. */
    readonly detail: string,
    readonly snippet = '',
  ) {
    super(
      `${file}${line > 0 ? `:${line}` : ''}${column > 0 ? `:${column}` : ''}: ${detail}${snippet ? `\n  ${snippet}` : ''}`,
    );
  }
}

/** A saved model, checkpoint or cache is truncated, corrupt or from an incompatible version. */
export class ModelFileError extends SlimctrError {
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super(`${file}: ${detail}`);
  }
}

/** An output file cannot be written (missing folder, a folder in the way, no permission, disk full); names the path. */
export class OutputError extends SlimctrError {
  /** The system error code (ENOSPC, ENOENT, EISDIR, ...), when there was one. */
  readonly code?: string;
  constructor(
    readonly file: string,
    detail: string,
    code?: string,
  ) {
    super(`${file}: cannot write: ${detail}`);
    this.code = code;
  }
}

/** Tensor shapes do not fit an operation (a programming error inside a model, or a bad config). */
export class ShapeError extends SlimctrError {}

/** This machine cannot do what was asked: the kernel heap would outgrow its limit, or a big-endian host. */
export class ResourceError extends SlimctrError {}

/** Command-line usage error (unknown flag, missing argument). */
export class UsageError extends SlimctrError {
  override readonly exitCode: number = 2;
}

/** An optional peer dependency a feature needs is not installed (or does not load). */
export class DependencyError extends SlimctrError {
  constructor(
    readonly pkg: string,
    feature: string,
    detail: string,
  ) {
    super(
      `${feature} needs the optional package ${pkg}, and ${detail}: install it beside slimctr with \`npm install ${pkg}\``,
    );
  }
}

/** A model cannot be exported to a serving format (an op or layer the exporter does not support). */
export class ExportError extends SlimctrError {}

/** A data file has no row that could be read (every row malformed, or not a data file at all). */
export class NoValidRowsError extends SlimctrError {
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super(`${file}: no valid rows${detail ? `; ${detail}` : ''}`);
  }
}

/** A metric is undefined on the given data (e.g. AUC when every label is the same class). */
export class MetricError extends SlimctrError {}

/** Training cannot go on (e.g. the loss became NaN or infinite); the message names the step. */
export class TrainingError extends SlimctrError {}

/**
 * An HTTP request to the model server cannot be served; `status` is the response code (400, 404,
 * 405, 413, or 503 with `retryAfterS` when the server is overloaded or draining).
 */
export class RequestError extends SlimctrError {
  constructor(
    readonly status: number,
    message: string,
    readonly retryAfterS?: number,
  ) {
    super(message);
  }
}

/** The user stopped a run (SIGINT / SIGTERM); exit code 130 or 143 as a shell reports a signal death. */
export class InterruptedError extends SlimctrError {
  override readonly exitCode: number;
  constructor(
    readonly signalName: NodeJS.Signals,
    message: string,
  ) {
    super(message);
    this.exitCode = exitCodeOfSignal(signalName);
  }

  /** For an AbortSignal aborted with a signal name as its reason (see cli/interrupt.ts). */
  static of(signal: AbortSignal, message: string): InterruptedError {
    return new InterruptedError(signal.reason === 'SIGTERM' ? 'SIGTERM' : 'SIGINT', message);
  }
}

/** 128 + the signal number: 130 for SIGINT, 143 for SIGTERM. */
export function exitCodeOfSignal(signal: NodeJS.Signals): number {
  return signal === 'SIGTERM' ? 143 : 130;
}
