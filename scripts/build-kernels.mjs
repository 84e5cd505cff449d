// Compiles the AssemblyScript kernels (src/kernels/assembly) to WebAssembly, twice:
//   dist/kernels/kernels.wasm          SIMD128 only (runs on any engine with Wasm SIMD)
//   dist/kernels/kernels-relaxed.wasm  SIMD128 + relaxed SIMD (fused multiply-add in sgemm)
// The module imports a shared memory (env.memory) so that worker threads run the same kernels
// over the same heap, and uses the stub runtime: JavaScript owns all allocation.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, 'dist', 'kernels');
mkdirSync(outDir, { recursive: true });
const asc = createRequire(import.meta.url).resolve('assemblyscript/bin/asc.js');
const common = [
  join(root, 'src/kernels/assembly/index.ts'),
  '--optimizeLevel',
  '3',
  '--shrinkLevel',
  '0',
  '--noAssert',
  '--runtime',
  'stub',
  '--use',
  'abort=',
  '--enable',
  'simd',
  '--enable',
  'threads',
  '--importMemory',
  '--sharedMemory',
  '--initialMemory',
  '16',
  '--maximumMemory',
  '65536',
  '--memoryBase',
  '1024',
];
for (const [name, extra] of [
  ['kernels.wasm', []],
  ['kernels-relaxed.wasm', ['--enable', 'relaxed-simd']],
]) {
  const out = join(outDir, name);
  execFileSync(process.execPath, [asc, ...common, ...extra, '--outFile', out], { stdio: 'inherit' });
  console.log(`kernels: built ${out}`);
}
