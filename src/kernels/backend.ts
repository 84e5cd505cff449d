/**
 * Which kernels run: the WebAssembly build everywhere, or on Node the native addon's kernels where
 * it has them (the rest stay WebAssembly). Chosen once per engine from `SLIMCTR_BACKEND`
 * (auto | native | wasm) or the engine option; every thread of the pool makes the same choice.
 * Nothing above this folder sees which one runs: both fill the same `KernelExports`.
 */
import { ConfigError } from '../util/errors.js';
import { instantiate, type KernelExports } from './exports.js';
import { loadNative, NATIVE_KERNELS, type NativeAddon } from './native.js';

export const BACKENDS = ['auto', 'native', 'wasm'] as const;
export type BackendChoice = (typeof BACKENDS)[number];

/** The kernels chosen: `isa` is the native instruction set, null for WebAssembly alone. */
export interface Backend {
  /** What was asked for (auto resolves to native or wasm). */
  choice: BackendChoice;
  name: 'native' | 'wasm';
  isa: string | null;
  addon: NativeAddon | null;
  /** Why `auto` fell back to WebAssembly (null when native, or when wasm was asked for). */
  fallback: string | null;
}

/** `choice`, else SLIMCTR_BACKEND, else auto; an unknown name is a config error. */
export function backendChoice(choice?: string): BackendChoice {
  const env = typeof process !== 'undefined' ? process.env?.SLIMCTR_BACKEND : undefined;
  const picked = choice ?? (env || 'auto');
  if (!(BACKENDS as readonly string[]).includes(picked)) {
    throw new ConfigError(
      choice === undefined ? 'SLIMCTR_BACKEND' : 'backend',
      `'${picked}' is not one of ${BACKENDS.join(', ')}`,
    );
  }
  return picked as BackendChoice;
}

/** Resolves a choice to the kernels this process can run; `native` throws when the addon is missing. */
export async function resolveBackend(choice: BackendChoice, isa?: string): Promise<Backend> {
  if (choice === 'wasm') return { choice, name: 'wasm', isa: null, addon: null, fallback: null };
  const { addon, error } = await loadNative();
  if (!addon) {
    if (choice === 'native') throw new ConfigError('backend', `native was asked for, but ${error}`);
    return { choice, name: 'wasm', isa: null, addon: null, fallback: error };
  }
  const isas = addon.isas();
  if (isa !== undefined && !isas.includes(isa))
    throw new ConfigError('backend', `this CPU does not run native ISA '${isa}' (it runs ${isas.join(', ')})`);
  return { choice, name: 'native', isa: isa ?? isas[0], addon, fallback: null };
}

/**
 * The kernels over `memory` (which may grow to `reserved` bytes): a WebAssembly instance's, with the
 * native ones (if any) in their place.
 */
export function kernelsOver(
  module: WebAssembly.Module,
  memory: WebAssembly.Memory,
  addon: NativeAddon | null,
  isa: string | null,
  reserved?: number,
): KernelExports {
  const wasm = instantiate(module, memory);
  if (!addon || isa === null) return wasm;
  // Native code keeps the memory's address: only a shared memory (reserved whole, grown in place) keeps it.
  if (!(memory.buffer instanceof SharedArrayBuffer))
    throw new Error('internal: native kernels need a shared WebAssembly memory (the engine always makes one)');
  const native = addon.bind(new Uint8Array(memory.buffer), isa, reserved);
  const k: KernelExports = { ...wasm };
  for (const name of NATIVE_KERNELS) (k as unknown as Record<string, unknown>)[name] = native[name];
  return k;
}
