/** How the docs tests run a page's shell lines: split into words, and a server started in the background. */
import { spawn, type ChildProcess } from 'node:child_process';

/** Shell words of one line: spaces separate, single or double quotes group, ` #` starts a comment. */
export function words(line: string): string[] {
  const out: string[] = [];
  let cur: string | null = null,
    quote = '';
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === quote) quote = '';
      else cur += c;
      continue;
    }
    if (c === "'" || c === '"') {
      quote = c;
      cur ??= '';
      continue;
    }
    if (c === '#' && cur === null) break;
    if (c === ' ') {
      if (cur !== null) out.push(cur);
      cur = null;
      continue;
    }
    cur = (cur ?? '') + c;
  }
  if (cur !== null) out.push(cur);
  return out;
}

/** Starts `node bin args` in `cwd` and resolves once it prints "listening on URL" (`shown` names it in errors). */
export function startServer(
  bin: string,
  args: string[],
  cwd: string,
  shown: string,
): { child: ChildProcess; url: Promise<string> } {
  const child = spawn(process.execPath, [bin, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  const url = new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.on('exit', (code) => reject(new Error(`${shown}: exited ${code} before listening`)));
  });
  return { child, url };
}

/** Stops a server started by startServer with SIGTERM; resolves to its exit code. */
export function stopServer(child: ChildProcess): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  child.kill('SIGTERM');
  return exited;
}
