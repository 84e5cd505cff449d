/**
 * What the page needs from the browser, checked before anything is downloaded: WebAssembly with
 * SIMD (the kernels), and WebAssembly shared memory (the kernel heap is one). Cross-origin
 * isolation is not needed: without it the kernels run on the page's thread, with the same results.
 */

/** A module whose only function returns a v128 constant: it validates only where SIMD is supported. */
const SIMD_PROBE = new Uint8Array([
  0x00,
  0x61,
  0x73,
  0x6d,
  0x01,
  0x00,
  0x00,
  0x00,
  0x01,
  0x05,
  0x01,
  0x60,
  0x00,
  0x01,
  0x7b,
  0x03,
  0x02,
  0x01,
  0x00,
  0x0a,
  0x16,
  0x01,
  0x14,
  0x00,
  0xfd,
  0x0c,
  ...new Array<number>(16).fill(0),
  0x0b,
]);

export interface Capabilities {
  /** What is missing, in words (empty when the page can run). */
  missing: string[];
  /** Cross-origin isolated (COOP/COEP headers): shared memory can also be posted to workers. */
  isolated: boolean;
}

function sharedMemory(): boolean {
  try {
    return new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true }).buffer !== undefined;
  } catch {
    return false;
  }
}

export function checkCapabilities(): Capabilities {
  const missing: string[] = [];
  if (typeof WebAssembly !== 'object') missing.push('WebAssembly');
  else {
    if (!WebAssembly.validate(SIMD_PROBE)) missing.push('WebAssembly SIMD (fixed-width, 128-bit)');
    if (!sharedMemory()) missing.push('WebAssembly shared memory (threads proposal)');
  }
  return { missing, isolated: globalThis.crossOriginIsolated === true };
}
