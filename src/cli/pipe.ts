/**
 * A reader that stops early (`slimctr inspect FILE | head`) closes the pipe under our output:
 * the next write fails with EPIPE. Like any Unix filter, the command then ends quietly (exit 0)
 * instead of dying with an unhandled 'error' event and a stack trace. Other stream errors are
 * reported in one line.
 */
let installed = false;

export function endQuietlyOnBrokenPipe(): void {
  if (installed) return;
  installed = true;
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      if (stream !== process.stderr) process.stderr.write(`slimctr: cannot write output: ${err.message}\n`);
      process.exit(1);
    });
  }
}
