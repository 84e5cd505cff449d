/**
 * slimctr as a user gets it: the repository packed with `npm pack` (after the page build that
 * `prepack` also runs; `npm test` has already built the rest) and installed from the tarball into
 * an empty project outside the repository, from the registry `npm ci` uses. Made once per process.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

export interface Installed {
  /** The consumer project (its node_modules holds slimctr). */
  project: string;
  tarball: string;
  /** `npm pack --json`'s file list and sizes. */
  pack: { size: number; unpackedSize: number; entryCount: number; files: { path: string }[] };
}

let installed: Installed | null = null;

const npm = (args: string[], cwd: string): string =>
  execFileSync('npm', args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, npm_config_loglevel: 'error' },
  });

export function installPackage(): Installed {
  if (installed) return installed;
  const root = mkdtempSync(join(tmpdir(), 'slimctr-pack-'));
  execFileSync(process.execPath, [join(repoRoot, 'scripts', 'build-web.mjs')], { cwd: repoRoot, stdio: 'ignore' });
  const pack = JSON.parse(npm(['pack', '--ignore-scripts', '--json', '--pack-destination', root], repoRoot))[0];
  const project = join(root, 'consumer');
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  const tarball = join(root, pack.filename);
  npm(['install', tarball, '--no-audit', '--no-fund', '--prefer-offline'], project);
  installed = { project, tarball, pack };
  return installed;
}

/** The consumer page: `score(modelUrl, rows)` (probabilities and kernel threads) through `slimctr/web`, bundled by esbuild for browsers into `outDir`/page.js. */
export async function bundleConsumerPage(pkg: Installed, outDir: string) {
  const esbuild = await import('esbuild');
  const entry = join(pkg.project, 'page.js');
  writeFileSync(
    entry,
    [
      "import { engineInfo, openModel } from 'slimctr/web';",
      'export async function score(url, rows) {',
      '  const model = await openModel(url);',
      '  return { columns: model.columns, probabilities: [...model.predict(rows)], threads: engineInfo().threads };',
      '}',
      '',
    ].join('\n'),
  );
  const nodeImports: string[] = [];
  const result = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    metafile: true,
    absWorkingDir: pkg.project,
    outfile: join(outDir, 'page.js'),
    logLevel: 'silent',
    plugins: [
      {
        name: 'no-node',
        setup: (b) =>
          b.onResolve({ filter: /^node:|^(fs|path|os|url|worker_threads|crypto|v8|child_process)$/ }, (a) => {
            nodeImports.push(`${a.importer} -> ${a.path}`);
            return { path: a.path, external: true };
          }),
      },
    ],
  });
  return { result, nodeImports, file: join(outDir, 'page.js') };
}

/**
 * Writes `source` as `dir`/`name`.ts of a consumer project and compiles it with this repository's
 * tsc (strict, skipLibCheck off so slimctr's .d.ts files are checked too); one run type-checks and
 * emits. Returns the compiled file's path.
 */
export function compileConsumer(dir: string, name: string, source: string): string {
  writeFileSync(join(dir, `${name}.ts`), source);
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        outDir: 'out',
        lib: ['ES2022', 'DOM'],
        typeRoots: [join(repoRoot, 'node_modules', '@types')],
        types: ['node'],
      },
      files: [`${name}.ts`],
    }),
  );
  execFileSync(process.execPath, [join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', dir], {
    cwd: dir,
    encoding: 'utf8',
  });
  return join(dir, 'out', `${name}.js`);
}
