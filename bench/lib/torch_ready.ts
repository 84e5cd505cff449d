/** Debian's PyTorch for the reference benchmarks: importable by /usr/bin/python3, installed with apt-get when missing. */
import { spawnSync } from 'node:child_process';

export const PY = '/usr/bin/python3';
const PACKAGES = ['python3-torch', 'python3-sklearn', 'libopenblas0-pthread'];

/** null when PyTorch and scikit-learn import (after installing them if needed); else why not. */
export function torchReady(): string | null {
  const has = (): boolean => spawnSync(PY, ['-c', 'import torch, sklearn'], { stdio: 'ignore' }).status === 0;
  if (has()) return null;
  process.stderr.write(`PyTorch missing: apt-get install -y ${PACKAGES.join(' ')}\n`);
  const r = spawnSync(
    'sh',
    ['-c', `apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y ${PACKAGES.join(' ')}`],
    { stdio: 'inherit' },
  );
  return r.status === 0 && has()
    ? null
    : `PyTorch is not available (apt-get install -y ${PACKAGES.join(' ')} failed: it needs root and Debian packages)`;
}
