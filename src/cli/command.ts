/** One CLI command: `slimctr <name> [args]`. Each lives in its own file under commands/. */
export interface Command {
  name: string;
  /** One line for `slimctr --help`. */
  summary: string;
  /** Full usage text for `slimctr <name> --help`. */
  usage: string;
  /** Runs the command; resolves to the process exit code. */
  run(argv: string[]): Promise<number>;
}
