import type { Flag } from './flags.js';

/** One CLI command: `slimctr <name> [args]`. Each lives in its own file under commands/. */
export interface Command {
  name: string;
  /** One line for `slimctr --help`. */
  summary: string;
  /** Full usage text for `slimctr <name> --help` (its Options made from `flags`, see flags.ts). */
  usage: string;
  /** Every flag the command takes (all its forms), as parsed and as listed by --help. */
  flags: readonly Flag[];
  /** Runs the command; resolves to the process exit code. */
  run(argv: string[]): Promise<number>;
}
