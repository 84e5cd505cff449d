/**
 * Loads the compiled WebAssembly kernels. Two builds exist (see scripts/build-kernels.mjs): one
 * with relaxed SIMD (fused multiply-add), used where the engine accepts it, and a plain SIMD128
 * build used everywhere else. Node 20 keeps relaxed SIMD behind a V8 flag, which we switch on
 * before compiling; a module that fails to validate falls back to the plain build.
 */
export type KernelVariant = 'relaxed-simd' | 'simd128';

export interface KernelModule {
  module: WebAssembly.Module;
  variant: KernelVariant;
}

async function readNode(name: string): Promise<Uint8Array<ArrayBuffer>> {
  const { readFile } = await import('node:fs/promises');
  const { fileURLToPath } = await import('node:url');
  const url = new URL(`../../kernels/${name}`, import.meta.url);
  return readFile(fileURLToPath(url));
}

function isNode(): boolean {
  return typeof process !== 'undefined' && typeof process.versions?.node === 'string';
}

/** `prefer` forces a variant (tests use it to check both builds agree). */
export async function loadKernelModule(prefer?: KernelVariant, fetchBase?: string): Promise<KernelModule> {
  const read = async (name: string): Promise<Uint8Array<ArrayBuffer>> => {
    if (isNode() && fetchBase === undefined) return readNode(name);
    const res = await fetch(new URL(name, fetchBase ?? import.meta.url));
    return new Uint8Array(await res.arrayBuffer());
  };
  if (prefer !== 'simd128') {
    if (isNode()) {
      const v8 = await import('node:v8');
      v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
    }
    try {
      const bytes = await read('kernels-relaxed.wasm');
      return { module: new WebAssembly.Module(bytes), variant: 'relaxed-simd' };
    } catch (err) {
      if (prefer === 'relaxed-simd') throw err;
    }
  }
  const bytes = await read('kernels.wasm');
  return { module: new WebAssembly.Module(bytes), variant: 'simd128' };
}
