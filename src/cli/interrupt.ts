/**
 * Ctrl-C and SIGTERM for long commands. The first signal aborts `signal` (the command finishes its
 * current step, saves what it can and returns); a second one removes the temp files still being
 * written and exits at once, leaving only complete files. The command's loop must yield to the
 * event loop (see yieldToSignals) for the handler to run.
 */
import { removeLiveTempFiles } from '../io/atomic.js';
import { exitCodeOfSignal, InterruptedError } from '../util/errors.js';

export interface Interrupt {
  /** Aborted by the first SIGINT / SIGTERM; `reason` is the signal name. */
  readonly signal: AbortSignal;
  /** The signal received, if any. */
  readonly received: NodeJS.Signals | null;
  /** 130 / 143 after a signal, else null. */
  exitCode(): number | null;
  /** An InterruptedError to throw from the command when it stops early. */
  error(message: string): InterruptedError;
  dispose(): void;
}

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];

/** Installs the handlers; `onFirst` says what the command does now (e.g. "writing a checkpoint"). */
export function catchInterrupts(command: string, onFirst: string): Interrupt {
  const controller = new AbortController();
  let received: NodeJS.Signals | null = null;
  const handler = (sig: NodeJS.Signals): void => {
    if (received !== null) {
      removeLiveTempFiles();
      process.stderr.write(`slimctr ${command}: ${sig} again: quitting now\n`);
      process.exit(exitCodeOfSignal(sig));
    }
    received = sig;
    process.stderr.write(`\nslimctr ${command}: ${sig} received; ${onFirst} (send it again to quit now)\n`);
    controller.abort(sig);
  };
  for (const s of SIGNALS) process.on(s, handler);
  return {
    signal: controller.signal,
    get received() {
      return received;
    },
    exitCode: () => (received === null ? null : exitCodeOfSignal(received)),
    error: (message) => new InterruptedError(received ?? 'SIGINT', message),
    dispose: () => {
      for (const s of SIGNALS) process.off(s, handler);
    },
  };
}

/** Runs `fn` with the handlers installed and removes them after. */
export async function withInterrupts<T>(
  command: string,
  onFirst: string,
  fn: (i: Interrupt) => Promise<T>,
): Promise<T> {
  const i = catchInterrupts(command, onFirst);
  try {
    return await fn(i);
  } finally {
    i.dispose();
  }
}
