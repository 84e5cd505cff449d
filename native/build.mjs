// Builds the optional native kernels (native/) with node-gyp, against the running Node's own
// headers (never downloaded). Run by `npm install` / `npm ci` (the install script) and by
// `npm run build`. Where the build cannot run (no C compiler, no make, no Node headers), it prints
// one line and exits 0: slimctr then runs on its WebAssembly kernels.
// Usage: node native/build.mjs [native folder]   (default: the folder of this script)
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = resolve(process.argv[2] ?? dirname(fileURLToPath(import.meta.url)));
const log = join(dir, 'build-native.log');

/** node-gyp: the one npm hands its scripts, else the one inside npm beside this node, else PATH's. */
function nodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    join(
      dirname(process.execPath),
      '..',
      'lib',
      'node_modules',
      'npm',
      'node_modules',
      'node-gyp',
      'bin',
      'node-gyp.js',
    ),
  ];
  const found = candidates.find((f) => f && existsSync(f));
  return found ? [process.execPath, found] : ['node-gyp'];
}

/** --nodedir for this node's own headers, unless npm's config already names one. */
function nodedirArgs() {
  if (process.env.npm_config_nodedir) return [];
  const prefix = resolve(dirname(process.execPath), '..');
  if (existsSync(join(prefix, 'include', 'node', 'node_api.h'))) return [`--nodedir=${prefix}`];
  return null;
}

function skip(reason) {
  console.log(`slimctr: native kernels not built (${reason}); using the WebAssembly kernels`);
  process.exit(0);
}

if (process.env.SLIMCTR_NATIVE === 'off') skip('SLIMCTR_NATIVE=off');
const nodedir = nodedirArgs();
if (nodedir === null)
  skip(`no Node headers under ${resolve(dirname(process.execPath), '..', 'include', 'node')} and no npm nodedir`);
const [cmd, ...pre] = nodeGyp();
const built = join(dir, 'build', 'Release', 'slimctr_native.node');
// `build` (make: recompiles only what changed) after a good build, else configure afresh.
const verb = existsSync(built) ? ['build'] : ['rebuild'];
const r = spawnSync(cmd, [...pre, ...verb, ...nodedir, '--release', `--directory=${dir}`], {
  cwd: dir,
  encoding: 'utf8',
  env: { ...process.env, npm_config_loglevel: 'error' },
});
const output = `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}`;
writeFileSync(log, output);
if (r.status !== 0 || !existsSync(built)) {
  rmSync(built, { force: true });
  const lines = output
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('gyp info'));
  const why = lines.find((l) => /\berror\b|not found/i.test(l)) ?? lines.at(-1) ?? `node-gyp exited with ${r.status}`;
  skip(`${why.slice(0, 160)}; see ${log}`);
}
console.log(`slimctr: native kernels built (${built})`);
