import { availableParallelism } from 'node:os';
import type { Command } from '../command.js';
import { VERSION } from '../../version.js';
import { getEngine } from '../../kernels/engine.js';

export const info: Command = {
  name: 'info',
  summary: 'print version, kernel variant and thread count',
  usage: 'Usage: slimctr info\n\nPrints the slimctr version, which WebAssembly kernel build is in use and the thread count.',
  async run() {
    const engine = await getEngine();
    process.stdout.write(
      `slimctr ${VERSION}\nnode ${process.version}\ncores ${availableParallelism()}\n` +
        `kernels ${engine.variant}\nthreads ${engine.threads}\n`,
    );
    return 0;
  },
};
