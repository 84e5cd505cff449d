// Builds the browser page into dist/web/: src/web/main.ts bundled by esbuild into app.js (ESM),
// plus index.html, style.css and the two kernel builds (dist/kernels/*.wasm, built first by
// `npm run build:kernels`). Node-only modules stay out of the bundle:
//   - src/platform/node.ts is swapped for src/platform/browser.ts (same exports);
//   - a static import of a Node built-in fails the build, naming the importing file;
//   - a dynamic import of one (behind a Node check, e.g. the kernel loader's file read) is left
//     external and never runs in a browser.
// Usage: node scripts/build-web.mjs [outdir]. Other scripts and tests import buildWeb().
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** esbuild plugin: browser platform module, and no Node built-ins in the bundle. */
export const browserOnly = {
  name: 'slimctr-browser-only',
  setup(build) {
    build.onResolve({ filter: /(^|\/)platform\/node\.js$/ }, (args) => ({ path: join(args.resolveDir, args.path.replace(/node\.js$/, 'browser.ts')) }));
    build.onResolve({ filter: /^node:/ }, (args) => {
      if (args.kind === 'dynamic-import') return { path: args.path, external: true };
      return { errors: [{ text: `${relative(root, args.importer)} imports ${args.path}: Node built-ins cannot run in a browser (use src/platform/ or a dynamic import behind a Node check)` }] };
    });
  },
};

/** Bundles `entry` for browsers into `outfile`; returns esbuild's result (throws on any error). */
export async function bundle(entry, outfile, { minify = true } = {}) {
  return esbuild.build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2022'],
    minify,
    sourcemap: true,
    metafile: true,
    logLevel: 'silent',
    plugins: [browserOnly],
  });
}

/** Builds the whole page into `outDir`. */
export async function buildWeb(outDir = join(root, 'dist', 'web')) {
  const kernels = ['kernels.wasm', 'kernels-relaxed.wasm'].map((f) => join(root, 'dist', 'kernels', f));
  const missing = kernels.filter((f) => !existsSync(f));
  if (missing.length > 0) throw new Error(`build:web: ${missing.map((f) => relative(root, f)).join(', ')} missing: run \`npm run build:kernels\` first`);
  mkdirSync(outDir, { recursive: true });
  const result = await bundle(join(root, 'src', 'web', 'main.ts'), join(outDir, 'app.js'));
  for (const f of ['index.html', 'style.css']) copyFileSync(join(root, 'src', 'web', f), join(outDir, f));
  for (const f of kernels) copyFileSync(f, join(outDir, f.split('/').pop()));
  const bytes = result.metafile.outputs[relative(process.cwd(), join(outDir, 'app.js'))]?.bytes;
  return { outDir, appBytes: bytes };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    const { outDir, appBytes } = await buildWeb(process.argv[2]);
    console.log(`build:web: ${relative(process.cwd(), outDir) || '.'}/ (app.js ${appBytes === undefined ? '?' : `${(appBytes / 1024).toFixed(0)} KiB`})`);
  } catch (err) {
    console.error(err.errors?.length ? err.errors.map((e) => `build:web: ${e.text}`).join('\n') : `build:web: ${err.message}`);
    process.exit(1);
  }
}
