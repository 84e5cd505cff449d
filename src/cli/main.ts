import { BACKENDS } from '../kernels/backend.js';
import { SlimctrError } from '../util/errors.js';
import type { Command } from './command.js';
import { commands } from './commands/index.js';
import { endQuietlyOnBrokenPipe } from './pipe.js';

function help(list: Command[]): string {
  const width = Math.max(...list.map((c) => c.name.length));
  const lines = list.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return `slimctr: train, compress (AFM low-rank) and serve CTR models\n\nUsage: slimctr [--backend auto|native|wasm] <command> [options]\n\nCommands:\n${lines.join('\n')}\n\nRun 'slimctr <command> --help' for a command's options.\n--backend (or SLIMCTR_BACKEND) picks the kernels: native where built, else WebAssembly (auto, the default).\n`;
}

/** Takes a leading `--backend NAME` off argv into SLIMCTR_BACKEND (which every engine reads); null if NAME is bad. */
function takeBackend(argv: string[]): string[] | null {
  if (argv[0] !== '--backend') return argv;
  const name = argv[1] ?? '';
  if (!(BACKENDS as readonly string[]).includes(name)) return null;
  process.env.SLIMCTR_BACKEND = name;
  return argv.slice(2);
}

/** CLI entry: returns the exit code. Known failures print one clear line, not a stack trace. */
export async function main(argv: string[]): Promise<number> {
  endQuietlyOnBrokenPipe();
  const args = takeBackend(argv);
  if (!args) {
    process.stderr.write(`slimctr: --backend: must be one of ${BACKENDS.join(', ')}, got '${argv[1] ?? ''}'\n`);
    return 2;
  }
  const [name, ...rest] = args;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(help(commands));
    return name === undefined ? 1 : 0;
  }
  if (name === '--version' || name === '-v') {
    const { VERSION } = await import('../version.js');
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const cmd = commands.find((c) => c.name === name);
  if (!cmd) {
    process.stderr.write(`slimctr: unknown command '${name}'\n\n${help(commands)}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(cmd.usage.endsWith('\n') ? cmd.usage : `${cmd.usage}\n`);
    return 0;
  }
  try {
    return await cmd.run(rest);
  } catch (err) {
    if (err instanceof SlimctrError) {
      process.stderr.write(`slimctr ${name}: ${err.message}\n`);
      return err.exitCode;
    }
    throw err;
  }
}
