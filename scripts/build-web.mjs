// Builds the browser page into dist/web/: src/web/main.ts bundled by esbuild into app.js (ESM),
// plus index.html, style.css and the two kernel builds (dist/kernels/*.wasm, built first by
// `npm run build:kernels`). Node-only modules stay out of the bundle:
//   - src/platform/node.ts is swapped for src/platform/browser.ts (same exports);
//   - a static import of a Node built-in fails the build, naming the importing file;
//   - a dynamic import of one (behind a Node check, e.g. the kernel loader's file read) becomes a
//     stub that throws if ever reached, so no `node:` specifier is left in the output for a
//     user's bundler to trip on.
// It also builds the library entry `slimctr/web` (src/web/index.ts) into dist/lib/web.js, with
// the kernel builds and the kernel worker (src/kernels/worker.ts -> worker.js) beside it (`--lib` builds only that; `npm run build` does).
// Usage: node scripts/build-web.mjs [--lib] [outdir]. Other scripts and tests import these.
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** esbuild plugin: browser platform module, and no Node built-ins in the bundle. */
export const browserOnly = {
  name: 'slimctr-browser-only',
  setup(build) {
    build.onResolve({ filter: /(^|\/)platform\/node\.js$/ }, (args) => ({
      path: join(args.resolveDir, args.path.replace(/node\.js$/, 'browser.ts')),
    }));
    build.onResolve({ filter: /^node:/ }, (args) => {
      if (args.kind === 'dynamic-import') return { path: args.path.slice('node:'.length), namespace: 'node-stub' };
      return {
        errors: [
          {
            text: `${relative(root, args.importer)} imports ${args.path}: Node built-ins cannot run in a browser (use src/platform/ or a dynamic import behind a Node check)`,
          },
        ],
      };
    });
    build.onLoad({ filter: /.*/, namespace: 'node-stub' }, (args) => ({
      contents: `throw new Error(${JSON.stringify(`Node's ${args.path} module is not available in a browser`)});`,
      loader: 'js',
    }));
  },
};

/**
 * esbuild plugin: zod's messages in English only. zod re-exports every locale (`z.locales`, about
 * 260 KB minified) although it registers English on its own; slimctr never switches locale.
 */
export const zodEnglishOnly = {
  name: 'slimctr-zod-english-only',
  setup(build) {
    build.onResolve({ filter: /\/locales\/index\.js$/ }, (args) =>
      args.importer.includes(`${'/node_modules/zod/'}`) ? { path: 'zod-locales', namespace: 'zod-locales' } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'zod-locales' }, () => ({ contents: 'export {};', loader: 'js' }));
  },
};

/** Bundles `entry` for browsers into `outfile`; returns esbuild's result (throws on any error). */
export async function bundle(entry, outfile, { minify = true, sourcemap = true } = {}) {
  return esbuild.build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2022'],
    minify,
    sourcemap,
    metafile: true,
    logLevel: 'silent',
    plugins: [browserOnly, zodEnglishOnly],
  });
}

/** The two kernel builds, checked to exist. */
function kernelFiles() {
  const kernels = ['kernels.wasm', 'kernels-relaxed.wasm'].map((f) => join(root, 'dist', 'kernels', f));
  const missing = kernels.filter((f) => !existsSync(f));
  if (missing.length > 0)
    throw new Error(
      `build:web: ${missing.map((f) => relative(root, f)).join(', ')} missing: run \`npm run build:kernels\` first`,
    );
  return kernels;
}

/**
 * The kernel builds and the kernel worker (`worker.js`, started as a module Web Worker on a
 * cross-origin isolated page) into `outDir`, where the bundle beside them looks for them.
 */
async function kernelsInto(outDir, { sourcemap }) {
  for (const f of kernelFiles()) copyFileSync(f, join(outDir, f.split('/').pop()));
  await bundle(join(root, 'src', 'kernels', 'worker.ts'), join(outDir, 'worker.js'), { minify: true, sourcemap });
}

/** Builds the `slimctr/web` library entry into `outDir`/web.js, with the kernels beside it. */
export async function buildLib(outDir = join(root, 'dist', 'lib')) {
  mkdirSync(outDir, { recursive: true });
  await bundle(join(root, 'src', 'web', 'index.ts'), join(outDir, 'web.js'), { minify: true, sourcemap: false });
  await kernelsInto(outDir, { sourcemap: false });
  return { outDir };
}

/** Builds the whole page into `outDir`. */
export async function buildWeb(outDir = join(root, 'dist', 'web')) {
  mkdirSync(outDir, { recursive: true });
  const result = await bundle(join(root, 'src', 'web', 'main.ts'), join(outDir, 'app.js'));
  for (const f of ['index.html', 'style.css']) copyFileSync(join(root, 'src', 'web', f), join(outDir, f));
  await kernelsInto(outDir, { sourcemap: true });
  const bytes = result.metafile.outputs[relative(process.cwd(), join(outDir, 'app.js'))]?.bytes;
  return { outDir, appBytes: bytes };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    if (process.argv[2] === '--lib') {
      const { outDir } = await buildLib(process.argv[3]);
      console.log(`build:lib: ${relative(process.cwd(), outDir) || '.'}/web.js`);
    } else {
      const { outDir, appBytes } = await buildWeb(process.argv[2]);
      console.log(
        `build:web: ${relative(process.cwd(), outDir) || '.'}/ (app.js ${appBytes === undefined ? '?' : `${(appBytes / 1024).toFixed(0)} KiB`})`,
      );
    }
  } catch (err) {
    console.error(
      err.errors?.length ? err.errors.map((e) => `build:web: ${e.text}`).join('\n') : `build:web: ${err.message}`,
    );
    process.exit(1);
  }
}
