import { availableParallelism } from 'node:os';
import type { Command } from '../command.js';
import { parseFlags } from '../flags.js';
import { VERSION } from '../../version.js';
import { getEngine } from '../../kernels/engine.js';

export const info: Command = {
  name: 'info',
  summary: 'print version, kernel backend, ISA and thread count',
  usage:
    'Usage: slimctr [--backend auto|native|wasm] info\n\nPrints the slimctr version, the kernel backend (native with its instruction set, or WebAssembly; SLIMCTR_BACKEND or --backend choose), the WebAssembly build that runs the kernels the native backend lacks, and the thread count.',
  flags: [],
  async run(argv) {
    parseFlags('info', [], argv);
    const engine = await getEngine();
    const { name, isa, fallback } = engine.backend;
    process.stdout.write(
      `slimctr ${VERSION}\nnode ${process.version}\ncores ${availableParallelism()}\n` +
        `backend ${name}${fallback ? ` (${fallback})` : ''}\nisa ${isa ?? 'wasm simd'}\n` +
        `kernels ${engine.variant}\nthreads ${engine.threads}\n`,
    );
    return 0;
  },
};
