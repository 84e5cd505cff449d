/** The cache manifest: what a cache folder holds and the keys that decide whether it is stale. */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

export const CACHE_FORMAT_VERSION = 1;
export const CACHE_FILES = ['ids.i32', 'dense.f32', 'labels.f32'] as const;

const fileEntry = z.object({ bytes: z.number().int().nonnegative(), sha256: z.string() });
const manifestSchema = z.object({
  format: z.literal('slimctr-cache'),
  version: z.number().int(),
  rows: z.number().int().nonnegative(),
  numCategorical: z.number().int().nonnegative(),
  numDense: z.number().int().nonnegative(),
  /** Identifies data + config (source file stats, dataset section, split) and encoders. */
  key: z.object({ schema: z.string(), encoders: z.string() }),
  files: z.object({ 'ids.i32': fileEntry, 'dense.f32': fileEntry, 'labels.f32': fileEntry }),
  badRows: z.number().int().nonnegative(),
  positives: z.number().nonnegative(),
  created: z.string(),
});
export type Manifest = z.infer<typeof manifestSchema>;
export type CacheKey = Manifest['key'];

/**
 * Reads and checks a cache folder's manifest against the expected key. Returns the manifest, or
 * a reason string when the cache is absent, stale or damaged (sizes are checked here; content
 * hashes by verifyCache).
 */
export function checkManifest(dir: string, key: CacheKey): Manifest | string {
  const file = join(dir, 'manifest.json');
  if (!existsSync(file)) return 'no cache';
  let m: Manifest;
  try {
    const r = manifestSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (!r.success) return 'manifest is invalid';
    m = r.data;
  } catch {
    return 'manifest is unreadable';
  }
  if (m.version !== CACHE_FORMAT_VERSION) return `cache format version ${m.version}, expected ${CACHE_FORMAT_VERSION}`;
  if (m.key.schema !== key.schema) return 'data files or dataset config changed';
  if (m.key.encoders !== key.encoders) return 'encoders changed';
  const widths = { 'ids.i32': m.numCategorical, 'dense.f32': m.numDense, 'labels.f32': 1 };
  for (const f of CACHE_FILES) {
    const p = join(dir, f);
    if (!existsSync(p)) return `${f} is missing`;
    const size = statSync(p).size;
    if (size !== m.files[f].bytes || size !== m.rows * widths[f] * 4)
      return `${f} has ${size} bytes, expected ${m.rows * widths[f] * 4}`;
  }
  return m;
}
